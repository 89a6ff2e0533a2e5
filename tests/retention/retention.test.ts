import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { type RetentionContext, type RetentionTable, runRetentionPass, startRetentionLoop } from '../../src/daemon/retention.js';
import { createLogger } from '../../src/logger.js';
import { bronzePrefix } from '../../src/pipeline/bronze/manifest.js';
import { PIPELINE_MIGRATIONS_DIR, PIPELINE_MIGRATION_TABLE } from '../../src/pipeline/sql-files.js';
import { type BronzeStore, LocalBronzeStore } from '../../src/storage/bronze/index.js';
import { latestMaterialization, listProcesses, registerProcess, sqlFileMigrationProvider } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { countRows, ids, seedBackfill, seedMaterialization, seedProcess, seedRun, seedTick, truncateAll } from './retention-seed.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** NOW - 90 days. */
const CUTOFF = new Date(NOW.getTime() - 90 * DAY);
const before = (ms: number) => new Date(CUTOFF.getTime() - ms);
const after = (ms: number) => new Date(CUTOFF.getTime() + ms);
const POLICY = { retentionDays: 90, bronzeRetentionDays: undefined };

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

describeEachBackend('retention', (backend) => {
  let database: TestDatabase;
  let bronzeDir: string;
  let bronze: LocalBronzeStore;
  let clock: ManualClock;
  let lines: LogLine[];
  let context: RetentionContext;

  beforeAll(async () => {
    database = await createTestDatabase(`retention_${backend}`, {
      backend,
      migrations: [{ provider: sqlFileMigrationProvider(PIPELINE_MIGRATIONS_DIR), tableName: PIPELINE_MIGRATION_TABLE }],
    });
  });
  afterAll(async () => {
    await database?.destroy();
  });
  beforeEach(async (test) => {
    await truncateAll(database);
    bronzeDir = await mkdtemp(join(tmpdir(), 'strata-retention-'));
    test.onTestFinished(() => rm(bronzeDir, { recursive: true, force: true }));
    bronze = new LocalBronzeStore(bronzeDir);
    clock = new ManualClock(NOW);
    lines = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
    context = { database, bronze, clock, logger };
  });

  it('deletes runs with their steps and events, ticks, ended processes and emptied backfills older than the cut-off; the boundary is kept', async () => {
    const deleted = {
      endedLongAgo: await seedRun(database, { status: 'SUCCESS', createdAt: before(2 * DAY), endedAt: before(DAY) }),
      endedJustBefore: await seedRun(database, { status: 'FAILURE', createdAt: before(HOUR), endedAt: before(1) }),
      canceledNeverEnded: await seedRun(database, { status: 'CANCELED', createdAt: before(5 * DAY), endedAt: null }),
    };
    const kept = {
      endedAtCutoff: await seedRun(database, { status: 'SUCCESS', createdAt: before(HOUR), endedAt: CUTOFF }),
      endedAfter: await seedRun(database, { status: 'SUCCESS', createdAt: after(DAY), endedAt: after(DAY + HOUR) }),
      // Age counts from the end: created long before the cut-off, ended after it.
      longRun: await seedRun(database, { status: 'SUCCESS', createdAt: before(10 * DAY), endedAt: after(HOUR) }),
      failedNeverEndedRecent: await seedRun(database, { status: 'FAILURE', createdAt: after(HOUR), endedAt: null }),
      // Retry of `endedLongAgo`: outlives its parent, with parent_run_id cleared.
      retry: await seedRun(database, { status: 'SUCCESS', createdAt: after(DAY), endedAt: after(DAY), parentRunId: null }),
    };
    await database.db.updateTable('strata.runs').set({ parent_run_id: deleted.endedLongAgo }).where('id', '=', kept.retry).execute();

    const oldTick = await seedTick(database, before(DAY), deleted.endedLongAgo);
    const boundaryTick = await seedTick(database, CUTOFF, kept.endedAtCutoff);
    const recentTick = await seedTick(database, after(DAY), kept.endedAfter);

    await seedProcess(database, 'stopped-long-ago', before(DAY), before(DAY));
    await seedProcess(database, 'crashed-long-ago', before(DAY), null);
    await seedProcess(database, 'stopped-at-cutoff', CUTOFF, CUTOFF);
    await seedProcess(database, 'stopped-recently', after(DAY), after(DAY));
    await seedProcess(database, 'alive', NOW, null);

    const emptiedBackfill = await seedBackfill(database, before(3 * DAY));
    const emptiedBackfillRun = await seedRun(database, { status: 'SUCCESS', createdAt: before(3 * DAY), endedAt: before(3 * DAY), backfillId: emptiedBackfill });
    const backfillWithRecentRun = await seedBackfill(database, before(3 * DAY));
    const recentBackfillRun = await seedRun(database, { status: 'SUCCESS', createdAt: after(DAY), endedAt: after(DAY), backfillId: backfillWithRecentRun });
    const recentBackfill = await seedBackfill(database, after(DAY));

    const result = await runRetentionPass(context, POLICY);

    expect(result.cutoff).toEqual(CUTOFF);
    expect(result.completed).toBe(true);
    expect(result.deleted).toEqual({
      runs: 4,
      steps: 8,
      events: 12,
      ticks: 1,
      processes: 2,
      backfills: 1,
      check_results: 0,
      sensor_evaluations: 0,
      sensor_handled_runs: 0,
      automation_results: 0,
      automation_evaluations: 0,
      bronze_partitions: 0,
    });
    expect(await ids(database, 'strata.runs')).toEqual([...Object.values(kept), recentBackfillRun].sort());
    for (const runId of [...Object.values(deleted), emptiedBackfillRun]) {
      expect(await countRows(database, 'strata.steps', `run_id = '${runId}'`)).toBe(0);
      expect(await countRows(database, 'strata.events', `run_id = '${runId}'`)).toBe(0);
    }
    expect(await countRows(database, 'strata.steps')).toBe(2 * 6);
    expect(await countRows(database, 'strata.events')).toBe(3 * 6);
    const retry = await database.db.selectFrom('strata.runs').select('parent_run_id').where('id', '=', kept.retry).executeTakeFirstOrThrow();
    expect(retry.parent_run_id).toBeNull();

    const ticks = await database.db.withTables<{ 'strata.ticks': { id: number } }>().selectFrom('strata.ticks').select('id').execute();
    expect(ticks.map((tick) => tick.id).sort()).toEqual([boundaryTick, recentTick].sort());
    expect(ticks.map((tick) => tick.id)).not.toContain(oldTick);
    expect(await ids(database, 'strata.processes')).toEqual(['alive', 'stopped-at-cutoff', 'stopped-recently']);
    const backfills = await sql<{ id: string }>`SELECT id FROM strata.backfills ORDER BY id`.execute(database.db);
    expect(backfills.rows.map((row) => row.id)).toEqual([backfillWithRecentRun, recentBackfill].sort());

    const line = lines.find((candidate) => candidate.msg.startsWith('retention pass'));
    expect(line).toMatchObject({ level: 30, loop: 'retention', cutoff: CUTOFF.toISOString(), bronzeCutoff: 'keep', deleted: result.deleted });
    expect(line?.msg).toBe('retention pass done: deleted 4 runs, 8 steps, 12 events, 1 ticks, 2 processes, 1 backfills, 0 check_results, 0 sensor_evaluations, 0 sensor_handled_runs, 0 automation_results, 0 automation_evaluations, 0 bronze_partitions');

    // A second pass finds nothing left to delete.
    expect((await runRetentionPass(context, POLICY)).deleted.runs).toBe(0);
  });

  it('deletes old check results but keeps the newest result of every check, however old', async () => {
    const insert = (checkName: string, at: Date) =>
      database.db
        .insertInto('strata.check_results')
        .values({ asset_key: 'silver/market_snapshots', partition_key: '', check_name: checkName, severity: 'warn', passed: true, metadata: '{}', evaluated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow()
        .then((row) => Number(row.id));
    const supersededOld = await insert('superseded', before(2 * DAY));
    const newestButOld = await insert('superseded', before(DAY));
    const onlyResult = await insert('only_result', before(30 * DAY));
    const replaced = await insert('recently_run', before(HOUR));
    const atCutoff = await insert('recently_run', CUTOFF);
    const recent = await insert('recently_run', after(DAY));

    const result = await runRetentionPass(context, POLICY, { batchSize: 1, pauseMs: 0 });

    expect(result.deleted.check_results).toBe(2);
    const left = await database.db.selectFrom('strata.check_results').select('id').orderBy('id').execute();
    expect(left.map((row) => Number(row.id))).toEqual([newestButOld, onlyResult, atCutoff, recent]);
    expect(left.map((row) => Number(row.id))).not.toContain(supersededOld);
    expect(left.map((row) => Number(row.id))).not.toContain(replaced);
  });

  it('deletes automation result changes and evaluations older than the cut-off; the current result of each partition stays', async () => {
    await sql`INSERT INTO strata.automation_partitions (asset_key, partition_key, condition, value, reason, changed_at)
      VALUES ('gold/x', '', 'eager()', false, 'old but current', ${before(DAY)})`.execute(database.db);
    for (const [id, at] of [[1, before(DAY)], [2, CUTOFF], [3, after(DAY)]] as const) {
      await sql`INSERT INTO strata.automation_evaluations (id, started_at, duration_ms, changes_read, partitions_evaluated, partitions_changed, runs_requested)
        VALUES (${id}, ${at}, 1, 1, 1, 1, 0)`.execute(database.db);
      await sql`INSERT INTO strata.automation_results (evaluation_id, asset_key, partition_key, value, reason, evaluated_at)
        VALUES (${id}, 'gold/x', '', false, 'a reason', ${at})`.execute(database.db);
    }

    const result = await runRetentionPass(context, POLICY, { batchSize: 1, pauseMs: 0 });

    expect(result.deleted).toMatchObject({ automation_results: 1, automation_evaluations: 1 });
    const left = await sql<{ evaluation_id: number }>`SELECT evaluation_id FROM strata.automation_results ORDER BY id`.execute(database.db);
    expect(left.rows.map((row) => Number(row.evaluation_id))).toEqual([2, 3]);
    expect(await countRows(database, 'strata.automation_evaluations', 'id = 1')).toBe(0);
    expect(await countRows(database, 'strata.automation_partitions', "asset_key = 'gold/x'")).toBe(1);
  });

  it('never deletes a QUEUED, STARTING or STARTED run, however old', async () => {
    const inFlight = [
      await seedRun(database, { status: 'QUEUED', createdAt: before(200 * DAY) }),
      await seedRun(database, { status: 'STARTING', createdAt: before(200 * DAY) }),
      await seedRun(database, { status: 'STARTED', createdAt: before(200 * DAY) }),
    ];
    const backfill = await seedBackfill(database, before(200 * DAY));
    const backfillRun = await seedRun(database, { status: 'QUEUED', createdAt: before(200 * DAY), backfillId: backfill });

    const result = await runRetentionPass(context, POLICY);

    expect(result.deleted.runs).toBe(0);
    expect(result.deleted.backfills).toBe(0);
    expect(await ids(database, 'strata.runs')).toEqual([...inFlight, backfillRun].sort());
    expect(await countRows(database, 'strata.events')).toBe(4 * 3);
  });

  it('keeps every materialization: one whose run was purged loses only its run and event ids; silver is untouched', async () => {
    const oldRun = await seedRun(database, { status: 'SUCCESS', createdAt: before(2 * DAY), endedAt: before(DAY) });
    const recentRun = await seedRun(database, { status: 'SUCCESS', createdAt: after(DAY), endedAt: after(DAY) });
    await seedMaterialization(database, oldRun, 'silver/clean', before(DAY));
    await seedMaterialization(database, recentRun, 'gold/report', after(DAY));
    await sql`INSERT INTO silver.global_snapshots (snapshot_at, total_market_cap_usd, active_cryptocurrencies, markets, updated_at, source_file) VALUES (${before(300 * DAY)}, 1, 1, 1, ${before(300 * DAY)}, 'raw/old.json')`.execute(database.db);

    const result = await runRetentionPass(context, { retentionDays: 90, bronzeRetentionDays: 1 });

    expect(result.deleted.runs).toBe(1);
    expect(await latestMaterialization(database.db, 'silver/clean', null)).toEqual({
      assetKey: 'silver/clean',
      partitionKey: null,
      runId: null,
      at: before(DAY),
      value: { rows: 42 },
      metadata: {},
    });
    const oldRow = await database.db.selectFrom('strata.materializations').select('event_id').where('asset_key', '=', 'silver/clean').executeTakeFirstOrThrow();
    expect(oldRow.event_id).toBeNull();
    expect(await latestMaterialization(database.db, 'gold/report', null)).toMatchObject({ runId: recentRun, value: { rows: 42 } });
    expect(await countRows(database, 'strata.materializations')).toBe(2);
    expect(await countRows(database, 'silver.global_snapshots')).toBe(1);
  });

  it('deletes bronze partitions of days before the bronze cut-off through the store, keeps newer ones and anything else', async () => {
    const file = (name: string) => [{ name, bytes: Buffer.from('{}') }];
    const expired = [
      bronzePrefix('coingecko_markets', '2026-10-23T18:00Z'),
      bronzePrefix('coingecko_global', '2026-10-23T18:00Z'),
      bronzePrefix('coingecko_markets', '2026-01-01T00:00Z'),
    ];
    const kept = [
      // The cut-off's own day (2026-10-24, cut-off at 12:00) is partly newer: kept whole.
      bronzePrefix('coingecko_markets', '2026-10-24T00:00Z'),
      bronzePrefix('coingecko_markets', '2026-11-20T06:00Z'),
      // An old day with a run still in flight for one of its partitions.
      bronzePrefix('coingecko_markets', '2026-09-01T06:00Z'),
    ];
    for (const prefix of [...expired, ...kept]) await bronze.writePartition(prefix, [...file('page-001.json'), ...file('_manifest.json')]);
    await bronze.put('raw/not-a-day/2026-01-01T00:00Z/coingecko_markets/page-001.json', Buffer.from('{}'));
    await bronze.put('raw/2026-02-30/2026-02-30T00:00Z/coingecko_markets/page-001.json', Buffer.from('{}'));
    await bronze.put('exports/2020-01-01/x/y/data.json', Buffer.from('{}'));
    await seedRun(database, { status: 'QUEUED', createdAt: NOW, partitionKey: '2026-09-01T00:00Z' });
    const deleted: Array<[RetentionTable, number]> = [];

    const result = await runRetentionPass(context, { retentionDays: 90, bronzeRetentionDays: 30 }, { onDeleted: (table, n) => deleted.push([table, n]) });

    expect(result.bronzeCutoff).toEqual(new Date('2026-10-24T12:00:00.000Z'));
    expect(result.deleted.bronze_partitions).toBe(3);
    expect(deleted).toEqual([['bronze_partitions', 3]]);
    expect(await bronze.list('')).toEqual(
      [
        ...kept.flatMap((prefix) => [`${prefix}/_manifest.json`, `${prefix}/page-001.json`]),
        'raw/not-a-day/2026-01-01T00:00Z/coingecko_markets/page-001.json',
        'raw/2026-02-30/2026-02-30T00:00Z/coingecko_markets/page-001.json',
        'exports/2020-01-01/x/y/data.json',
      ].sort(),
    );
  });

  it('keeps all bronze by default (STRATA_BRONZE_RETENTION_DAYS unset or keep)', async () => {
    const prefix = bronzePrefix('coingecko_markets', '2020-01-01T00:00Z');
    await bronze.writePartition(prefix, [{ name: 'page-001.json', bytes: Buffer.from('{}') }]);

    const result = await runRetentionPass(context, POLICY);

    expect(result.bronzeCutoff).toBeUndefined();
    expect(result.deleted.bronze_partitions).toBe(0);
    expect(await bronze.list('raw/')).toEqual([`${prefix}/page-001.json`]);
  });

  it('deletes in bounded batches with a pause on the clock between them: 35 old runs, batches of 10 -> 4 batches', async () => {
    for (let i = 0; i < 35; i += 1) await seedRun(database, { status: 'SUCCESS', createdAt: before(DAY + i), endedAt: before(DAY) });
    const counted: number[] = [];

    const pass = runRetentionPass(context, POLICY, { batchSize: 10, pauseMs: 50, onDeleted: (table, n) => table === 'runs' && counted.push(n) });
    for (let pause = 0; pause < 3; pause += 1) {
      expect((await clock.nextSleep()).ms).toBe(50);
      clock.advance(50);
    }
    const result = await pass;

    expect(result.batches).toBe(4);
    expect(counted).toEqual([10, 10, 10, 5]);
    expect(result.deleted).toMatchObject({ runs: 35, steps: 70, events: 105 });
    expect(await countRows(database, 'strata.runs')).toBe(0);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('stops between batches when the signal aborts (shutdown); the next pass finishes the job', async () => {
    for (let i = 0; i < 25; i += 1) await seedRun(database, { status: 'SUCCESS', createdAt: before(DAY + i), endedAt: before(DAY) });
    const stopping = new AbortController();

    const pass = runRetentionPass(context, POLICY, { batchSize: 10, pauseMs: 50, signal: stopping.signal });
    await clock.nextSleep();
    stopping.abort();
    const result = await pass;

    expect(result).toMatchObject({ completed: false, batches: 1, deleted: { runs: 10 } });
    expect(lines.at(-1)?.msg).toMatch(/^retention pass stopped early: deleted 10 runs/);
    expect(await countRows(database, 'strata.runs')).toBe(15);

    const next = runRetentionPass(context, POLICY, { batchSize: 10, pauseMs: 50 });
    await clock.nextSleep();
    clock.advance(50);
    expect((await next).deleted.runs).toBe(15);
  });

  it('as a loop: an error is caught, logged and recorded on the process, and the next pass carries on', async () => {
    const prefix = bronzePrefix('coingecko_markets', '2020-01-01T00:00Z');
    await bronze.writePartition(prefix, [{ name: 'page-001.json', bytes: Buffer.from('{}') }]);
    await registerProcess(database.db, { id: 'daemon-retention-test', kind: 'daemon', hostname: 'test', pid: 1, at: NOW });
    let failures = 1;
    const flaky: BronzeStore = Object.assign(Object.create(bronze) as LocalBronzeStore, {
      list: async (listPrefix: string) => {
        if (failures-- > 0) throw new Error('bronze store unavailable');
        return bronze.list(listPrefix);
      },
    });
    const loop = startRetentionLoop({ ...context, bronze: flaky }, { retentionDays: 90, bronzeRetentionDays: 30 }, {
      intervalMs: HOUR,
      processId: 'daemon-retention-test',
    });
    try {
      expect((await clock.nextSleep()).ms).toBe(HOUR);
      const [failed] = await listProcesses(database.db);
      expect(failed?.loops['retention']).toMatchObject({ last_error: 'bronze store unavailable', error_count: 1, last_run_at: NOW.toISOString() });
      expect(lines.find((line) => line.level === 50)).toMatchObject({ loop: 'retention', msg: 'retention loop iteration failed; carrying on', err: { message: 'bronze store unavailable' } });
      expect(await bronze.list('raw/')).toHaveLength(1);

      clock.advance(HOUR);
      expect((await clock.nextSleep()).ms).toBe(HOUR);
      const [recovered] = await listProcesses(database.db);
      expect(recovered?.loops['retention']).toMatchObject({ error_count: 1, last_run_at: new Date(NOW.getTime() + HOUR).toISOString() });
      expect(await bronze.list('raw/')).toEqual([]);
      expect(lines.filter((line) => line.msg.startsWith('retention pass done'))).toHaveLength(1);
    } finally {
      await loop.stop();
    }
  });
});
