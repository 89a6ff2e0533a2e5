/**
 * Two real `strata daemon` processes on one Postgres database, with the every-6-hours schedule
 * overridden to tick every second: every tick is stored once and makes exactly one run, with no
 * tick missed, and `strata status` sees both daemons alive. Then SIGTERM stops both cleanly.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputOf, spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`daemon processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('daemon_processes', { backend: 'postgres' });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-daemons-'));
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: database.url ?? '',
    STRATA_DATA_DIR: dataDir,
    STRATA_SCHEDULE_EVERY_6_HOURS_CRON: '* * * * * *',
    STRATA_METRICS_PORT: '0',
  });

  function strata(args: string[]): ChildProcess {
    const child = spawnStrata(args, env());
    children.push(child);
    return child;
  }

  it('two daemons: each every-second tick stored once with exactly one run, none missed; status sees both; SIGTERM stops both', async () => {
    const daemons = [strata(['daemon']), strata(['daemon'])];
    const exits = daemons.map(outputOf);

    await until('both daemons to register', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.processes WHERE kind = 'daemon' AND stopped_at IS NULL`.execute(database.db);
      return (rows.rows[0]?.n ?? 0) >= 2 ? true : undefined;
    });
    await until('ten ticks', async () => {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.ticks WHERE schedule_name = 'every_6_hours'`.execute(database.db);
      return (rows.rows[0]?.n ?? 0) >= 10 ? true : undefined;
    });

    const status = await outputOf(strata(['status', '--json']));
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { processes: { kind: string; alive: boolean }[]; queue: { queued: number } };
    expect(report.processes.filter((p) => p.kind === 'daemon' && p.alive)).toHaveLength(2);
    expect(report.queue.queued).toBeGreaterThanOrEqual(10);

    for (const daemon of daemons) daemon.kill('SIGTERM');
    const ended = await Promise.all(exits);
    expect(ended.map((e) => e.code)).toEqual([0, 0]);

    const ticks = await sql<{ tick_at: Date; status: string; run_id: string | null; reason: string | null }>`
      SELECT tick_at, status, run_id, reason FROM strata.ticks WHERE schedule_name = 'every_6_hours' ORDER BY tick_at`.execute(database.db);
    const runs = await sql<{ id: string; run_key: string }>`SELECT id, run_key FROM strata.runs WHERE trigger = 'schedule'`.execute(database.db);
    // The first evaluation sets the cursor without backlog; from then on every second is a tick.
    const times = ticks.rows.map((tick) => tick.tick_at.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    // On a loaded machine a round can start more than a second late: catch-up 'latest' then
    // stores the older due tick as SKIPPED with its reason. No tick is missing or doubled either way.
    const ran = ticks.rows.filter((tick) => tick.status === 'SUCCESS');
    const skipped = ticks.rows.filter((tick) => tick.status !== 'SUCCESS');
    for (const tick of skipped) expect(tick).toMatchObject({ status: 'SKIPPED', run_id: null, reason: expect.stringMatching(/catch-up|latest/) });
    expect(ran.length).toBeGreaterThanOrEqual(10 - skipped.length);
    expect(ran.every((tick) => tick.run_id !== null)).toBe(true);
    expect(runs.rows).toHaveLength(ran.length);
    expect(new Set(runs.rows.map((run) => run.run_key)).size).toBe(runs.rows.length);
    expect(new Set(ran.map((tick) => tick.run_id))).toEqual(new Set(runs.rows.map((run) => run.id)));

    const stopped = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.processes WHERE kind = 'daemon' AND stopped_at IS NOT NULL`.execute(database.db);
    expect(stopped.rows[0]?.n).toBe(2);
  });
});
