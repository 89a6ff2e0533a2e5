/**
 * Two real `strata worker` processes on Postgres execute a backfill of a three-step chain at
 * concurrency 8 each, their runs' events shared out in group commits; one worker is killed (-9)
 * mid-backfill. Afterwards every run's events are complete and once each: a run that finished
 * has exactly the expected sequence, a run lost with the killed worker has a prefix of it and
 * then the monitor's run:failed, and its retry skips exactly the steps recorded as succeeded.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import { createRuns } from '../../src/storage/index.js';
import { createTestProject, STRATA, type TestProject } from '../helpers/definitions-project.js';
import { outputOf, spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';
/** Two tsx process starts and a 3 s heartbeat timeout, on a shared 2-core machine. */
const PROCESS_WAIT_MS = 150_000;
const TEST_TIMEOUT_MS = 240_000;
const PARTITIONS = 200;
const ASSETS = ['bronze/a', 'silver/b', 'gold/c'];
/** What a run that executes every step records, in order. */
const COMPLETE = [
  'run:started',
  ...ASSETS.flatMap((key) => [`step:started ${key}`, `asset:materialized ${key}`, `step:succeeded ${key}`]),
  'run:succeeded',
];

interface EventRow {
  readonly run_id: string;
  readonly type: string;
  readonly asset_key: string | null;
}

describePostgres(`concurrent runs across two worker processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let dataDir: string;
  let project: TestProject;
  let definitions: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('concurrent_runs', { backend: 'postgres' });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-concurrent-runs-'));
    project = createTestProject('strata-concurrent-runs-');
    definitions = project.write(
      'definitions.ts',
      `import { defineAsset, defineDefinitions, sixHourlyPartitions } from '${STRATA}';
const noop = async () => ({ value: 0 });
const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'a', partitions: sixHourlyPartitions, materialize: noop });
const b = defineAsset({ key: 'silver/b', layer: 'silver', description: 'b', partitions: sixHourlyPartitions, deps: { a }, materialize: noop });
const c = defineAsset({ key: 'gold/c', layer: 'gold', description: 'c', partitions: sixHourlyPartitions, deps: { b }, materialize: noop });
export default defineDefinitions({ assets: [a, b, c] });
`,
    );
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
    project?.remove();
  });

  const startWorker = (): ChildProcess => {
    const child = spawnStrata(['worker', '--concurrency', '8'], {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: dataDir,
      STRATA_DEFINITIONS: definitions,
      STRATA_METRICS_PORT: 'off',
      STRATA_MAX_CONCURRENT_RUNS: '16',
      STRATA_HEARTBEAT_TIMEOUT: '3',
    });
    children.push(child);
    return child;
  };

  it('every run records each event once, in order; runs lost with a killed worker keep a consistent prefix and are retried', async () => {
    const first = sixHourlyPartitions.parse('2026-01-01T00:00Z').start.getTime();
    const partitions = Array.from({ length: PARTITIONS }, (_, i) => sixHourlyPartitions.keyFor(new Date(first + i * 6 * 3_600_000)));
    const runs = await createRuns(
      database.db,
      partitions.map((partitionKey) => ({
        selection: '*',
        partitionKey,
        trigger: 'backfill' as const,
        tags: {},
        runKey: null,
        priority: 0,
        maxRetries: 2,
        pools: [],
        assetKeys: ASSETS,
      })),
    );
    const killed = startWorker();
    const survivor = startWorker();
    const survivorExit = outputOf(survivor);
    // Mid-backfill: the killed worker has finished some runs and holds others.
    const victimId = await until(
      'the first worker to have runs both finished and in flight',
      async () => {
        const { rows } = await sql<{ worker_id: string; done: number; active: number }>`
          SELECT worker_id, count(*) FILTER (WHERE status = 'SUCCESS')::int AS done,
                 count(*) FILTER (WHERE status IN ('STARTING', 'STARTED'))::int AS active
          FROM strata.runs WHERE worker_id LIKE ${`%:${killed.pid}:%`} GROUP BY worker_id`.execute(database.db);
        const row = rows[0];
        return row !== undefined && row.done >= 20 && row.active > 0 ? row.worker_id : undefined;
      },
      PROCESS_WAIT_MS,
    );
    const killedExit = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await killedExit;

    await until(
      'every run and retry to end',
      async () => {
        const { rows } = await sql<{ open: number; partitions_done: number }>`
          SELECT count(*) FILTER (WHERE ended_at IS NULL)::int AS open,
                 count(DISTINCT partition_key) FILTER (WHERE status = 'SUCCESS')::int AS partitions_done
          FROM strata.runs`.execute(database.db);
        const row = rows[0];
        return row?.open === 0 && row.partitions_done === PARTITIONS ? true : undefined;
      },
      PROCESS_WAIT_MS,
    );

    const { rows: events } = await sql<EventRow>`SELECT run_id, type, asset_key FROM strata.events ORDER BY id`.execute(database.db);
    const byRun = new Map<string, string[]>();
    for (const event of events) {
      const list = byRun.get(event.run_id) ?? [];
      list.push(event.asset_key === null ? event.type : `${event.type} ${event.asset_key}`);
      byRun.set(event.run_id, list);
    }
    const allRuns = await database.db.selectFrom('strata.runs').selectAll().execute();
    const lost = allRuns.filter((run) => run.worker_id === victimId && run.status === 'FAILURE');
    expect(lost.length).toBeGreaterThan(0);
    for (const run of allRuns) {
      const log = byRun.get(run.id) ?? [];
      const ends = log.filter((type) => type.startsWith('run:') && type !== 'run:started');
      expect(ends, `run ${run.id} ends once`).toHaveLength(1);
      if (run.trigger === 'retry') {
        // Skipped steps first (as step:skipped), then the rest executed, nothing twice.
        const skipped = new Set(run.skip_steps.map((step) => step.split('|')[0]));
        const expected = [
          'run:started',
          ...ASSETS.flatMap((key) =>
            skipped.has(key) ? [`step:skipped ${key}`] : [`step:started ${key}`, `asset:materialized ${key}`, `step:succeeded ${key}`],
          ),
          'run:succeeded',
        ];
        expect(log, `retry ${run.id}`).toEqual(expected);
      } else if (run.status === 'SUCCESS') {
        expect(log, `run ${run.id}`).toEqual(COMPLETE);
      } else {
        expect(run.worker_id, `run ${run.id} failed though its worker lived`).toBe(victimId);
        const prefix = log.slice(0, -1);
        expect(log.at(-1)).toBe('run:failed');
        expect(COMPLETE.slice(0, prefix.length), `run ${run.id}: its events are a prefix of a complete run`).toEqual(prefix);
        // The retry skips exactly the steps whose success was recorded.
        const succeeded = prefix.filter((type) => type.startsWith('step:succeeded ')).map((type) => `${type.slice('step:succeeded '.length)}|${run.partition_key}`);
        const retry = allRuns.find((candidate) => candidate.parent_run_id === run.id);
        expect(retry?.skip_steps.slice().sort(), `retry of ${run.id}`).toEqual(succeeded.sort());
      }
    }
    expect(allRuns.filter((run) => run.trigger === 'retry')).toHaveLength(lost.length);
    expect(new Set(allRuns.filter((run) => run.status === 'SUCCESS').map((run) => run.partition_key)).size).toBe(runs.length);

    // Group commit happened: some transaction (xmin) holds the events of several runs.
    const { rows: shared } = await sql<{ runs: number }>`
      SELECT max(n)::int AS runs FROM (SELECT count(DISTINCT run_id) AS n FROM strata.events GROUP BY xmin::text) t`.execute(database.db);
    expect(shared[0]?.runs).toBeGreaterThan(1);
    const materializations = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.materializations`.execute(database.db);
    expect(materializations.rows[0]?.n).toBe(PARTITIONS * ASSETS.length);

    survivor.kill('SIGTERM');
    expect((await survivorExit).code).toBe(0);
  }, TEST_TIMEOUT_MS);
});
