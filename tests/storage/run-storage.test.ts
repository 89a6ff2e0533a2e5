import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/types.js';
import { createRuns, IllegalRunTransitionError, RunNotFoundError, RunStorage } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { type TestDatabase, createTestDatabase } from '../helpers/test-database.js';

describeEachBackend('run storage contract', (backend) => {
  let database: TestDatabase;
  let storage: RunStorage;

  beforeAll(async () => {
    database = await createTestDatabase('run_storage', { backend });
    storage = new RunStorage(database.db);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const at = (iso: string) => new Date(iso);

  it('creates a QUEUED run with its inputs', async () => {
    const run = await storage.createRun({
      selection: 'silver/market_snapshots',
      partitionKey: '2026-11-23T06:00Z',
      trigger: 'manual',
      tags: { owner: 'test' },
      maxRetries: 2,
    });
    expect(run).toMatchObject({
      status: 'QUEUED',
      selection: 'silver/market_snapshots',
      partitionKey: '2026-11-23T06:00Z',
      trigger: 'manual',
      tags: { owner: 'test' },
      runKey: null,
      maxRetries: 2,
      attempt: 1,
      priority: 0,
    });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(await storage.getRun(run.id)).toEqual(run);
    expect(await storage.getRun('not-a-uuid')).toBeUndefined();
    expect(await storage.getRun('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('records a run lifecycle through events, keeping steps and materializations in sync', async () => {
    const run = await storage.createRun({ selection: 'bronze/coingecko_markets', partitionKey: null, trigger: 'schedule' });
    const runId = run.id;
    await storage.setRunStatus(runId, 'STARTING', { workerId: 'worker-1' });
    const asset = { assetKey: 'bronze/coingecko_markets', partition: null };
    const events: RunEvent[] = [
      { type: 'run:started', runId, at: at('2026-11-23T06:00:00.000Z') },
      { type: 'step:started', runId, at: at('2026-11-23T06:00:00.010Z'), ...asset, attempt: 1 },
      { type: 'log', runId, at: at('2026-11-23T06:00:00.020Z'), level: 'info', message: 'page 1', assetKey: asset.assetKey, partition: null, fields: { page: 1 } },
      {
        type: 'step:failed',
        runId,
        at: at('2026-11-23T06:00:01.000Z'),
        ...asset,
        attempt: 1,
        message: 'HTTP 429',
        retryable: true,
        willRetry: true,
        retryInMs: 1000,
      },
      { type: 'step:started', runId, at: at('2026-11-23T06:00:02.000Z'), ...asset, attempt: 2 },
      {
        type: 'asset:materialized',
        runId,
        at: at('2026-11-23T06:00:03.000Z'),
        ...asset,
        value: { manifest: 'raw/_manifest.json' },
        metadata: { rows: 250, bytes: 1024 },
        durationMs: 1000,
      },
      { type: 'step:succeeded', runId, at: at('2026-11-23T06:00:03.000Z'), ...asset, durationMs: 1000 },
      { type: 'step:skipped', runId, at: at('2026-11-23T06:00:03.000Z'), assetKey: 'gold/mart', partition: null, reason: 'check failed' },
      { type: 'run:succeeded', runId, at: at('2026-11-23T06:00:04.000Z'), durationMs: 4000 },
    ];
    const ids: number[] = [];
    for (const event of events) ids.push(await storage.recordEvent(event));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    expect(await storage.getRun(runId)).toMatchObject({
      status: 'SUCCESS',
      workerId: 'worker-1',
      startedAt: at('2026-11-23T06:00:00.000Z'),
      endedAt: at('2026-11-23T06:00:04.000Z'),
    });
    const stored = await storage.eventsForRun(runId);
    expect(stored.map((s) => s.event)).toEqual(events);
    expect((await storage.eventsForRun(runId, { afterId: ids[6] })).map((s) => s.event.type)).toEqual(['step:skipped', 'run:succeeded']);

    const steps = await database.db.selectFrom('strata.steps').selectAll().where('run_id', '=', runId).orderBy('asset_key').execute();
    expect(steps).toMatchObject([
      {
        asset_key: 'bronze/coingecko_markets',
        partition_key: '',
        status: 'SUCCESS',
        attempts: 2,
        started_at: at('2026-11-23T06:00:02.000Z'),
        ended_at: at('2026-11-23T06:00:03.000Z'),
        duration_ms: 1000,
        error: null,
        metadata: { rows: 250, bytes: 1024 },
      },
      { asset_key: 'gold/mart', status: 'SKIPPED', error: 'check failed' },
    ]);
    expect(await storage.latestMaterialization('bronze/coingecko_markets', null)).toEqual({
      assetKey: 'bronze/coingecko_markets',
      partitionKey: null,
      runId,
      at: at('2026-11-23T06:00:03.000Z'),
      value: { manifest: 'raw/_manifest.json' },
      metadata: { rows: 250, bytes: 1024 },
    });
  });

  it('rejects an illegal status transition and does not record the event', async () => {
    const run = await storage.createRun({ selection: 'a/b', trigger: 'manual' });
    await expect(storage.setRunStatus(run.id, 'SUCCESS')).rejects.toThrow(IllegalRunTransitionError);
    await expect(storage.setRunStatus(run.id, 'SUCCESS')).rejects.toThrow(/QUEUED -> SUCCESS/);
    await expect(storage.recordEvent({ type: 'run:started', runId: run.id, at: new Date() })).rejects.toMatchObject({
      code: 'RUN_TRANSITION_INVALID',
      from: 'QUEUED',
      to: 'STARTED',
    });
    expect(await storage.eventsForRun(run.id)).toEqual([]);

    await storage.setRunStatus(run.id, 'CANCELED');
    await expect(storage.setRunStatus(run.id, 'STARTING')).rejects.toThrow(/CANCELED -> STARTING/);
    await expect(storage.setRunStatus('00000000-0000-4000-8000-000000000000', 'STARTING')).rejects.toThrow(RunNotFoundError);
    await expect(
      storage.recordEvent({ type: 'log', runId: '00000000-0000-4000-8000-000000000000', at: new Date(), level: 'info', message: 'x', assetKey: null, partition: null, fields: null }),
    ).rejects.toThrow(RunNotFoundError);
  });

  it('makes one run for one run_key, even when created concurrently', async () => {
    const input = { selection: 'a/b', trigger: 'schedule' as const, runKey: `tick:${backend}:2026-11-23T06:00Z` };
    const runs = await Promise.all(Array.from({ length: 5 }, () => storage.createRun(input)));
    expect(new Set(runs.map((run) => run.id)).size).toBe(1);
    const again = await storage.createRun({ ...input, selection: 'ignored' });
    expect(again).toEqual(runs[0]);
    const count = await database.db.selectFrom('strata.runs').select((eb) => eb.fn.countAll<number>().as('n')).where('run_key', '=', input.runKey).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('createRuns stores several runs with their run_assets, in order; an existing run_key returns that run', async () => {
    const existing = await storage.createRun({ selection: 'x/old', trigger: 'schedule', runKey: `batch:${backend}:old`, assetKeys: ['x/old'] });
    const runs = await createRuns(database.db, [
      { selection: 'x/a,x/b', partitionKey: '2026-11-23T00:00Z', trigger: 'schedule', runKey: `batch:${backend}:1`, assetKeys: ['x/a', 'x/b', 'x/a'] },
      { selection: 'ignored', trigger: 'schedule', runKey: `batch:${backend}:old`, assetKeys: ['x/ignored'] },
      { selection: 'x/c', partitionKey: '2026-11-23T06:00Z', trigger: 'schedule', tags: { why: 'test' }, pools: ['api'], assetKeys: ['x/c'] },
    ]);
    expect(runs.map((run) => run.selection)).toEqual(['x/a,x/b', 'x/old', 'x/c']);
    expect(runs[1]).toEqual(existing);
    expect(runs[2]).toMatchObject({ status: 'QUEUED', partitionKey: '2026-11-23T06:00Z', tags: { why: 'test' }, pools: ['api'], runKey: null });
    const assets = await database.db
      .selectFrom('strata.run_assets')
      .select(['run_id', 'asset_key', 'created_at'])
      .where('run_id', 'in', runs.map((run) => run.id))
      .orderBy('asset_key')
      .execute();
    expect(assets.map((row) => [row.run_id, row.asset_key])).toEqual([
      [runs[0]?.id, 'x/a'],
      [runs[0]?.id, 'x/b'],
      [runs[2]?.id, 'x/c'],
      [existing.id, 'x/old'],
    ]);
    expect(assets[0]?.created_at).toEqual(runs[0]?.createdAt);
  });

  it('pages runs newest first with no gaps or duplicates, also while runs are added', async () => {
    // Runs created in one statement share created_at (now() is per transaction): the id breaks the tie.
    await database.db.deleteFrom('strata.runs').where('trigger', '=', 'backfill').execute();
    await database.db
      .insertInto('strata.runs')
      .values(Array.from({ length: 7 }, (_, i) => ({ selection: `page/${i}`, trigger: 'backfill' as const })))
      .execute();
    for (let i = 0; i < 5; i += 1) await storage.createRun({ selection: `page/later-${i}`, trigger: 'backfill' });
    const all = await database.db.selectFrom('strata.runs').select('id').execute();

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await storage.listRuns({ limit: 3, ...(cursor === undefined ? {} : { before: cursor }) });
      seen.push(...page.runs.map((run) => run.id));
      if (pages === 0) await storage.createRun({ selection: 'page/new', trigger: 'backfill' });
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(all.map((row) => row.id)));

    const queued = await storage.listRuns({ status: 'QUEUED', limit: 1000 });
    expect(queued.runs.every((run) => run.status === 'QUEUED')).toBe(true);
    expect(queued.nextCursor).toBeUndefined();
    const times = queued.runs.map((run) => run.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    await expect(storage.listRuns({ before: 'garbage' })).rejects.toThrow(/invalid run cursor/);
  });

  it('replaces the latest materialization and keeps history in the event log', async () => {
    const assetKey = 'silver/market_snapshots';
    const partition = '2026-11-23T06:00Z';
    const materialize = async (value: unknown, rows: number, iso: string) => {
      const run = await storage.createRun({ selection: assetKey, partitionKey: partition, trigger: 'manual' });
      await storage.recordEvent({ type: 'asset:materialized', runId: run.id, at: at(iso), assetKey, partition, value, metadata: { rows }, durationMs: 5 });
      return run.id;
    };
    await materialize({ v: 1 }, 10, '2026-11-23T06:10:00Z');
    const second = await materialize({ v: 2 }, 20, '2026-11-23T06:20:00Z');
    // A late event about an older materialization must not win.
    await materialize({ v: 0 }, 0, '2026-11-23T06:05:00Z');

    expect(await storage.latestMaterialization(assetKey, partition)).toEqual({
      assetKey,
      partitionKey: partition,
      runId: second,
      at: at('2026-11-23T06:20:00Z'),
      value: { v: 2 },
      metadata: { rows: 20 },
    });
    expect(await storage.latestMaterialization(assetKey, null)).toBeUndefined();
    const history = await storage.listMaterializations(assetKey, 10);
    expect(history.map((m) => m.value)).toEqual([{ v: 0 }, { v: 2 }, { v: 1 }]);
    expect(history[0]).toMatchObject({ partitionKey: partition, metadata: { rows: 0 } });
    expect(await storage.listMaterializations(assetKey, 1)).toHaveLength(1);
  });

  it('round-trips types identically: numeric exact string, int8 number, Date, jsonb', async () => {
    const row = await sql<{ n: string; big: number; count: number; ts: Date; j: unknown; d: string; plain: Date }>`
      select '123456789012345678901234.123456789'::numeric as n,
             9007199254740991::int8 as big,
             count(*) as count,
             ${new Date('2026-11-23T06:00:00.123Z')}::timestamptz as ts,
             ${JSON.stringify({ a: [1, 2.5, 'x', null], b: { c: true } })}::jsonb as j,
             '2026-11-23'::date as d,
             '2026-11-23 06:00:00.5'::timestamp as plain
      from strata.runs`.execute(database.db);
    expect(row.rows[0]).toEqual({
      n: '123456789012345678901234.123456789',
      big: 9007199254740991,
      count: expect.any(Number),
      ts: new Date('2026-11-23T06:00:00.123Z'),
      j: { a: [1, 2.5, 'x', null], b: { c: true } },
      d: '2026-11-23',
      plain: new Date('2026-11-23T06:00:00.500Z'),
    });
    const ids = await database.db.selectFrom('strata.events').select('id').limit(1).execute();
    expect(typeof ids[0]?.id).toBe('number');
  });
});
