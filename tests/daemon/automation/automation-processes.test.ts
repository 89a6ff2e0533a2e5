/**
 * Real processes on Postgres: two `strata daemon` and one `strata worker` with a user project
 * whose chain a → b → c is eager. Each `strata materialize bronze/a` is followed by exactly one
 * automation run that materializes b then c, requested through LISTEN/NOTIFY (the fallback
 * interval is set to an hour, so polling cannot be what finds it), and every stored reason
 * matches the recorded materializations.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sixHourlyPartitions } from '../../../src/core/partitions.js';
import type { TestProject } from '../../helpers/definitions-project.js';
import { outputOf, runStrata, spawnStrata, until } from '../../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { automationRunsOf, expectChainFollowed } from './chain-checks.js';
import { chainProject } from './chain-project.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`automation with two daemons and a worker [postgres]${title}`, () => {
  let database: TestDatabase;
  let dataDir: string;
  let project: TestProject;
  let definitions: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('automation_processes', { backend: 'postgres' });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-automation-'));
    ({ project, definitions } = chainProject());
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
    project?.remove();
  });

  const env = () => ({
    DATABASE_URL: database.url ?? '',
    STRATA_DATA_DIR: dataDir,
    STRATA_DEFINITIONS: definitions,
    STRATA_METRICS_PORT: 'off',
    STRATA_AUTOMATION_INTERVAL: '3600',
  });

  it('each upstream change materializes b then c exactly once, and every reason matches what happened', async () => {
    const processes = [spawnStrata(['daemon'], env()), spawnStrata(['daemon'], env()), spawnStrata(['worker'], env())];
    children.push(...processes);
    const exits = processes.map(outputOf);
    await until('both daemons and the worker to register', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.processes WHERE stopped_at IS NULL`.execute(database.db);
      return (rows.rows[0]?.n ?? 0) >= 3 ? true : undefined;
    });
    // The first evaluation records the automated assets; wait for it so the chain starts from a known state.
    await until('the first automation evaluation', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.automation_assets`.execute(database.db);
      return (rows.rows[0]?.n ?? 0) === 2 ? true : undefined;
    });

    const partition = sixHourlyPartitions.keyFor(new Date());
    const upstreamRuns: string[] = [];
    for (let change = 1; change <= 3; change++) {
      const materialized = await runStrata(['materialize', 'bronze/a', '--partition', partition], env());
      expect(materialized.code, materialized.stderr).toBe(0);
      const runId = await sql<{ id: string }>`SELECT id FROM strata.runs WHERE trigger = 'manual' ORDER BY created_at DESC LIMIT 1`.execute(database.db);
      upstreamRuns.push(runId.rows[0]?.id as string);
      await until(`automation run ${change} to succeed`, async () => {
        const runs = await automationRunsOf(database.db);
        return runs.length === change && runs.every((run) => run.status === 'SUCCESS') ? true : undefined;
      });
    }
    // Let both daemons fold the last run's end; nothing more may be requested.
    await until('the change feed to be drained', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.automation_changes`.execute(database.db);
      return rows.rows[0]?.n === 0 ? true : undefined;
    });
    await expectChainFollowed(database.db, partition, upstreamRuns);

    const evaluators = await sql<{ process_id: string }>`SELECT DISTINCT process_id FROM strata.automation_evaluations`.execute(database.db);
    expect(evaluators.rows.length).toBeGreaterThanOrEqual(1);
    for (const child of processes) child.kill('SIGTERM');
    expect((await Promise.all(exits)).map((exit) => exit.code)).toEqual([0, 0, 0]);
  });
});
