/** `strata worker` and `strata daemon` serve their own counters on STRATA_METRICS_PORT. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMetricsRole } from '../../src/cli/process-roles.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

describeEachBackend('metrics listener of worker and daemon processes', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('metrics_listener', { backend });
    pipeline = await startPipeline(database, { env: { STRATA_METRICS_PORT: '0' } });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('serves the process counters and a health check on its own port', async () => {
    const role = await startMetricsRole(pipeline.runtime);
    try {
      expect(role?.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await pipeline.materialize(PARTITION);
      const metrics = await fetch(`${role?.address}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^strata_runs_total\{status="SUCCESS",trigger="manual"\} 1$/m);
      expect((await fetch(`${role?.address}/healthz`)).status).toBe(200);
    } finally {
      await role?.stop();
    }
  });

  it('is off when STRATA_METRICS_PORT=off', async () => {
    const off = await startPipeline(database, { env: { STRATA_METRICS_PORT: 'off' }, sharedFake: pipeline.fake });
    try {
      expect(await startMetricsRole(off.runtime)).toBeUndefined();
    } finally {
      await off.stop();
    }
  });
});
