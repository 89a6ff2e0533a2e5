/**
 * Real processes on Postgres: two `strata daemon`s and a `strata worker` beside a user project
 * whose sensors misbehave on purpose. Every evaluation is recorded once (the counter's cursor
 * is one unbroken chain), a run key never makes two runs, a SIGKILLed daemon's claim is taken
 * over once its lease runs out, a throwing / malformed / unknown-asset sensor is recorded while
 * the others carry on, and each failed run reaches the run-status sensor once with its failed
 * steps. Then `strata start` on the embedded database runs sensors too.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRun } from '../../../src/storage/index.js';
import { createTestProject, type TestProject } from '../../helpers/definitions-project.js';
import { freePort } from '../../helpers/free-port.js';
import { outputOf, runStrata, spawnStrata, until } from '../../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { embeddedProject, multiDaemonProject } from './sensor-projects.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

interface EvaluationRow {
  id: number;
  sensor_name: string;
  daemon_id: string;
  outcome: string;
  skip_reason: string | null;
  error: string | null;
  cursor_before: string | null;
  cursor_after: string | null;
  run_requests: Array<{ runKey: string | null; runId: string; existed: boolean }>;
  ended_run_id: string | null;
}

describePostgres(`sensors in real daemons [postgres]${title}`, { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let project: TestProject;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sensor_processes', { backend: 'postgres' });
    project = createTestProject('strata-sensors-');
    project.write('definitions.ts', multiDaemonProject());
    dataDir = await mkdtemp(join(tmpdir(), 'strata-sensor-daemons-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.destroy();
    project?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: database.url ?? '',
    STRATA_DATA_DIR: dataDir,
    STRATA_DEFINITIONS: join(project.dir, 'definitions.ts'),
    STRATA_METRICS_PORT: 'off',
    // A hung evaluation is abandoned after 4 s; its claim lasts 8 s.
    STRATA_SENSOR_TIMEOUT: '4',
  });
  const strata = (args: string[]): ChildProcess => {
    const child = spawnStrata(args, env());
    children.push(child);
    return child;
  };
  const evaluations = async (sensor: string): Promise<EvaluationRow[]> =>
    (await sql<EvaluationRow>`SELECT * FROM strata.sensor_evaluations WHERE sensor_name = ${sensor} ORDER BY id`.execute(database.db)).rows;
  const atLeast = (sensor: string, n: number) => async () => ((await evaluations(sensor)).length >= n ? true : undefined);

  it('two daemons: once-only evaluations and run keys, a SIGKILLed claim taken over, broken sensors recorded, failed runs handled once', async () => {
    const worker = strata(['worker']);
    const daemons = [strata(['daemon']), strata(['daemon'])];
    const exits = [worker, ...daemons].map(outputOf);

    // The first daemon to claim `takeover` hangs in it: kill it there, within its timeout.
    const hangingPid = await until('a daemon to hang in takeover', async () => {
      const text = await readFile(join(project.dir, 'hanging.pid'), 'utf8').catch(() => undefined);
      return text === undefined ? undefined : Number(text);
    });
    const killed = daemons.find((daemon) => daemon.pid === hangingPid);
    expect(killed, 'the hanging pid is one of the daemons').toBeDefined();
    killed?.kill('SIGKILL');
    const survivor = daemons.find((daemon) => daemon !== killed);

    const takenOver = await until(
      'takeover to be evaluated by the surviving daemon',
      async () => (await evaluations('takeover')).find((row) => row.skip_reason === 'taken over from a killed daemon'),
      30_000,
    );
    expect(takenOver.daemon_id).toContain(`:${survivor?.pid}:`);
    expect((await evaluations('takeover')).filter((row) => row.daemon_id.includes(`:${hangingPid}:`))).toEqual([]);

    await until('the broken sensors evaluated a few times', async () =>
      (await atLeast('thrower', 3)()) && (await atLeast('malformed', 2)()) && (await atLeast('unknown_asset', 2)()) && (await atLeast('counter', 30)()),
    );

    // Failed runs, executed by the worker, reach the run-status sensor once each.
    const failing = [];
    for (let i = 0; i < 3; i++) failing.push(await createRun(database.db, { selection: 'bronze/broken', trigger: 'manual', assetKeys: ['bronze/broken'] }));
    await until('three failures handled', atLeast('on_failure', 3), 30_000);
    const counted = (await evaluations('counter')).length;
    // Let the survivor run on for a while (other sensors evaluated) and see nothing handled twice.
    await until('more counter evaluations', atLeast('counter', counted + 10));

    for (const child of [worker, survivor]) child?.kill('SIGTERM');
    const ended = await Promise.all(exits);
    expect(ended[0]?.code).toBe(0);
    expect(ended[1 + daemons.indexOf(survivor as ChildProcess)]?.code).toBe(0);

    const handled = await evaluations('on_failure');
    expect(handled.map((row) => row.ended_run_id).sort()).toEqual(failing.map((run) => run.id).sort());
    const lines = (await readFile(join(project.dir, 'handled.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { runId: string; failedSteps: unknown[] });
    expect(lines.map((line) => line.runId).sort()).toEqual(failing.map((run) => run.id).sort());
    for (const line of lines) expect(line.failedSteps).toEqual([{ assetKey: 'bronze/broken', partition: null, error: expect.stringContaining('broken on purpose') }]);

    // Every counter evaluation recorded once: its cursor is one chain 0 → 1 → 2 …, none repeated, none skipped.
    const counter = await evaluations('counter');
    const befores = counter.map((row) => Number(row.cursor_before ?? '0')).sort((a, b) => a - b);
    expect(befores).toEqual(befores.map((_, index) => index));
    for (const row of counter) expect(Number(row.cursor_after)).toBe(Number(row.cursor_before ?? '0') + 1);
    // A key requested by several evaluations (by either daemon) has one run.
    const requested = counter.flatMap((row) => row.run_requests);
    const byKey = new Map<string, Set<string>>();
    for (const request of requested) byKey.set(request.runKey ?? '', (byKey.get(request.runKey ?? '') ?? new Set()).add(request.runId));
    for (const ids of byKey.values()) expect(ids.size).toBe(1);
    expect(requested.filter((request) => !request.existed)).toHaveLength(byKey.size);
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.runs WHERE run_key LIKE 'sensor:counter:%'`.execute(database.db);
    expect(runs.rows[0]?.n).toBe(byKey.size);

    // The broken sensors: recorded, nothing requested, and the daemon carried on with the others.
    for (const row of await evaluations('thrower')) {
      expect(row).toMatchObject({ outcome: 'failed', run_requests: [] });
      expect(row.error).toMatch(/^thrower always fails\nat .*definitions\.ts:\d+:\d+/);
    }
    for (const row of await evaluations('malformed')) expect(row.error).toMatch(/^malformed result: runRequests\[0\]\.selection: selection is required/);
    for (const row of await evaluations('unknown_asset')) expect(row.error).toMatch(/silver\/missing_asset/);
    const strays = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.runs WHERE tags->>'sensor' IN ('thrower', 'malformed', 'unknown_asset')`.execute(database.db);
    expect(strays.rows[0]?.n).toBe(0);
  });

  it('strata sensors lists them and switches one off, recording who', async () => {
    const stopped = await runStrata(['sensors', 'stop', 'counter'], env());
    expect(stopped).toMatchObject({ code: 0, stdout: 'sensor counter is off\n' });
    const listed = await runStrata(['sensors', '--json'], env());
    expect(listed.code).toBe(0);
    const sensors = JSON.parse(listed.stdout) as Array<{ name: string; status: string; statusChangedBy: string | null; latestEvaluation: { outcome: string } | null }>;
    expect(sensors.map((sensor) => sensor.name)).toEqual(['counter', 'thrower', 'malformed', 'unknown_asset', 'takeover', 'on_failure']);
    expect(sensors[0]).toMatchObject({ status: 'stopped', statusChangedBy: expect.stringMatching(/^cli \(.+\)$/) as unknown as string });
    expect(sensors[1]?.latestEvaluation?.outcome).toBe('failed');
    const table = await runStrata(['sensors'], env());
    expect(table.stdout).toMatch(/thrower\s+sensor\s+on\s+0\.2 s\s+\S+\s+\S+ failed: thrower always fails/);
    const unknown = await runStrata(['sensors', 'start', 'nope'], env());
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no sensor 'nope'; sensors: counter, thrower");
  });
});

describe('strata start on the embedded database runs sensors', { timeout: 240_000 }, () => {
  let project: TestProject;
  let dataDir: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    project = createTestProject('strata-sensors-embedded-');
    project.write('definitions.ts', embeddedProject());
    dataDir = await mkdtemp(join(tmpdir(), 'strata-sensors-embedded-data-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
  });
  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    project?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a sensor requests a run, the worker runs it, the run-status sensor handles its failure', async () => {
    const port = await freePort();
    server = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, PORT: String(port), STRATA_METRICS_PORT: 'off', STRATA_DEFINITIONS: join(project.dir, 'definitions.ts') });
    const exit = outputOf(server);
    const api = async <T>(path: string): Promise<T | undefined> => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
      return response?.ok ? ((await response.json()) as T) : undefined;
    };
    type Detail = { evaluations: Array<{ runRequests: Array<{ runId: string }>; endedRunId: string | null }> };
    const requested = await until(
      'ask_once to request its run',
      async () => (await api<Detail>('/api/v1/sensors/ask_once'))?.evaluations.flatMap((evaluation) => evaluation.runRequests)[0],
      180_000,
    );
    await until(
      'on_failure to handle that run',
      async () => ((await api<Detail>('/api/v1/sensors/on_failure'))?.evaluations.some((evaluation) => evaluation.endedRunId === requested.runId) ? true : undefined),
      60_000,
    );
    server.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });
});
