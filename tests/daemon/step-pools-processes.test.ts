/**
 * Pools at step level across two real `strata worker` processes on Postgres. A user project's
 * `bronze/fetch` (pool `slow_api`, size 1) and `gold/free` (no pool) each wait, in asset code,
 * for a gate file the test creates, and write a line when they start: so the test decides when
 * steps end and sees which are in flight. Four partitions' runs go to two workers; one fetch
 * runs at a time across both, while every run's `gold/free` runs meanwhile. A worker killed
 * with -9 while its fetch holds the slot does not keep it once the monitor has failed its run.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import { createRun, eventsForRun, getRun } from '../../src/storage/index.js';
import { createTestProject, STRATA, type TestProject } from '../helpers/definitions-project.js';
import { spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';
const PROCESS_WAIT_MS = 100_000;
const TEST_TIMEOUT_MS = 200_000;

/** Gated assets: a step writes `started <asset> <partition>` to `log`, then waits for `gates/<asset>-<partition>`. */
function gatedProject(dir: string): TestProject {
  const project = createTestProject('strata-step-pools-');
  project.write(
    'definitions.ts',
    `import { appendFileSync, existsSync } from 'node:fs';
import { defineAsset, defineDefinitions, sixHourlyPartitions } from '${STRATA}';
const DIR = ${JSON.stringify(dir)};
const gated = (name: string) => async (ctx: { partition?: { key: string }; signal: AbortSignal }) => {
  const partition = ctx.partition?.key ?? '';
  appendFileSync(DIR + '/log', 'started ' + name + ' ' + partition + ' ' + process.pid + '\\n');
  const gate = DIR + '/gates/' + name + '-' + partition.replace(/:/g, '');
  while (!existsSync(gate)) {
    ctx.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  appendFileSync(DIR + '/log', 'ended ' + name + ' ' + partition + '\\n');
  return { value: { name, partition } };
};
const fetch = defineAsset({ key: 'bronze/fetch', layer: 'bronze', description: 'calls the slow API', partitions: sixHourlyPartitions, pool: 'slow_api', materialize: gated('fetch') });
const load = defineAsset({ key: 'silver/load', layer: 'silver', description: 'loads', partitions: sixHourlyPartitions, deps: { fetch }, materialize: async (ctx) => ({ value: ctx.inputs.fetch }) });
const free = defineAsset({ key: 'gold/free', layer: 'gold', description: 'no pool', partitions: sixHourlyPartitions, materialize: gated('free') });
export default defineDefinitions({ assets: [fetch, load, free] });
`,
  );
  return project;
}

describePostgres(`pools at step level across worker processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let project: TestProject;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('step_pools_processes', { backend: 'postgres' });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    project?.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const setUp = () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-step-pools-data-'));
    writeFileSync(join(dir, 'log'), '');
    mkdirSync(join(dir, 'gates'));
    project = gatedProject(dir);
  };
  const env = () => ({
    DATABASE_URL: database.url ?? '',
    STRATA_DATA_DIR: join(dir, 'data'),
    STRATA_DEFINITIONS: join(project.dir, 'definitions.ts'),
    STRATA_METRICS_PORT: 'off',
    STRATA_POOL_SLOW_API: '1',
    STRATA_HEARTBEAT_TIMEOUT: '3',
  });
  const startWorker = (concurrency = 2): ChildProcess => {
    const child = spawnStrata(['worker', '--concurrency', String(concurrency)], env());
    children.push(child);
    return child;
  };
  const open = (name: string, partition: string) => writeFileSync(join(dir, 'gates', `${name}-${partition.replace(/:/g, '')}`), '');
  const lines = () => readFileSync(join(dir, 'log'), 'utf8').split('\n').filter(Boolean);
  const inFlight = (name: string) => {
    const open = new Set<string>();
    for (const line of lines()) {
      const [what, asset, partition] = line.split(' ');
      if (asset !== name) continue;
      if (what === 'started') open.add(partition!);
      else open.delete(partition!);
    }
    return [...open];
  };
  // Stored as prepareRun would (the workers load the project; this process does not); the insert NOTIFYs them.
  const queue = async (partition: string, maxRetries = 2): Promise<string> => {
    const assetKeys = ['bronze/fetch', 'silver/load', 'gold/free'];
    return (await createRun(database.db, { selection: '*', partitionKey: partition, trigger: 'manual', maxRetries, pools: ['slow_api'], assetKeys })).id;
  };
  const waitingLines = async (runIds: readonly string[]) => {
    let n = 0;
    for (const runId of runIds) {
      n += (await eventsForRun(database.db, runId)).filter(({ event }) => event.type === 'log' && event.message === 'waiting for pool slow_api (1 of 1 in use)').length;
    }
    return n;
  };

  it(
    'one pooled step at a time across two workers, while the non-pooled steps of every run proceed',
    async () => {
      setUp();
      const now = Date.now();
      const partitions = [4, 3, 2, 1].map((back) => sixHourlyPartitions.keyFor(new Date(now - back * 6 * 3_600_000)));
      const runIds: string[] = [];
      for (const partition of partitions) runIds.push(await queue(partition));
      startWorker();
      startWorker();

      // Every run's gold/free is in flight, yet exactly one fetch: the others wait for the slot.
      await until('every gold/free to start and the other fetches to wait', async () =>
        inFlight('free').length === 4 && (await waitingLines(runIds)) === 3 ? true : undefined, PROCESS_WAIT_MS);
      expect(inFlight('fetch')).toHaveLength(1);
      const workers = await sql<{ n: number }>`SELECT count(DISTINCT worker_id)::int AS n FROM strata.runs WHERE id = ANY(${runIds}::uuid[])`.execute(database.db);
      expect(workers.rows[0]?.n).toBe(2);

      for (let released = 0; released < 4; released += 1) {
        const [holding] = await until('the next fetch to hold the slot', async () => (inFlight('fetch').length === 1 ? inFlight('fetch') : undefined), PROCESS_WAIT_MS);
        expect(inFlight('fetch')).toEqual([holding]);
        open('fetch', holding!);
        await until('that fetch to end', async () => (lines().includes(`ended fetch ${holding}`) ? true : undefined), PROCESS_WAIT_MS);
      }
      for (const partition of partitions) open('free', partition);
      await until('every run to succeed', async () => {
        const runs = await Promise.all(runIds.map((id) => getRun(database.db, id)));
        return runs.every((run) => run?.status === 'SUCCESS') ? true : undefined;
      }, PROCESS_WAIT_MS);

      // From the stored events: the fetch steps' [started, succeeded] intervals never overlap.
      const intervals: Array<[number, number]> = [];
      for (const runId of runIds) {
        const events = (await eventsForRun(database.db, runId)).map(({ event }) => event);
        const started = events.find((event) => event.type === 'step:started' && event.assetKey === 'bronze/fetch');
        const ended = events.find((event) => event.type === 'step:succeeded' && event.assetKey === 'bronze/fetch');
        intervals.push([started!.at.getTime(), ended!.at.getTime()]);
      }
      intervals.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < intervals.length; i += 1) expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
      const slots = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.pool_slots`.execute(database.db);
      expect(slots.rows[0]?.n).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a worker killed (-9) while its step holds the slot: once the monitor fails its run, a step of another worker takes the slot',
    async () => {
      setUp();
      const [first, second] = [2, 1].map((back) => sixHourlyPartitions.keyFor(new Date(Date.now() - back * 6 * 3_600_000))) as [string, string];
      const lostRun = await queue(first, 0);
      // Room for one run only: the other run must go to the survivor.
      const lost = startWorker(1);
      await until('the first fetch to hold the slot', async () => (inFlight('fetch').length === 1 ? true : undefined), PROCESS_WAIT_MS);
      const otherRun = await queue(second);
      const survivor = startWorker();
      await until("the other worker's fetch to wait for the slot", async () => ((await waitingLines([otherRun])) === 1 ? true : undefined), PROCESS_WAIT_MS);

      const gone = new Promise((resolve) => lost.once('exit', resolve));
      lost.kill('SIGKILL');
      await gone;
      await until('the monitor to fail the lost run', async () => ((await getRun(database.db, lostRun))?.status === 'FAILURE' ? true : undefined), PROCESS_WAIT_MS);
      await until('the waiting fetch to take the slot', async () => (inFlight('fetch').includes(second) ? true : undefined), PROCESS_WAIT_MS);
      open('fetch', second);
      open('free', second);
      await until('the other run to succeed', async () => ((await getRun(database.db, otherRun))?.status === 'SUCCESS' ? true : undefined), PROCESS_WAIT_MS);
      expect((await getRun(database.db, otherRun))?.workerId).toContain(`:${survivor.pid}:`);
      expect(existsSync(join(dir, 'gates', `fetch-${first.replace(/:/g, '')}`))).toBe(false);
      const slots = await sql<{ run_id: string }>`SELECT run_id FROM strata.pool_slots`.execute(database.db);
      // The dead run's slot was deleted when seen; nothing is left held.
      expect(slots.rows).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
