import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { queueRun } from '../../src/daemon/execute-run.js';
import { claimRuns, openDatabase, recordEvent, type ClaimLimits, type StrataDatabase } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { StepGates, testGraph, testRuntime } from './queue-harness.js';

const LIMITS: ClaimLimits = { maxConcurrentRuns: 100 };

describeEachBackend('run queue claims', (backend) => {
  let database: TestDatabase;
  const runtime = () => testRuntime(database, { assets: testGraph(new StepGates()) });
  const claim = (db: StrataDatabase, max: number, workerId = 'w1', limits: ClaimLimits = LIMITS) =>
    claimRuns(db.db, { workerId, max, at: new Date(), ...limits });
  const finish = (runId: string) => recordEvent(database.db, { type: 'run:canceled', runId, at: new Date(), durationMs: 0 });

  beforeAll(async () => {
    database = await createTestDatabase('queue_claim', { backend });
  });
  afterEach(async () => {
    // Leave no run queued or active for the next test.
    await database.db.updateTable('strata.runs').set({ status: 'CANCELED' }).where('status', 'in', ['QUEUED', 'STARTING', 'STARTED']).execute();
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('stores the pools its steps use at queue time', async () => {
    const rt = runtime();
    expect((await queueRun(rt, { selection: 'silver/clean+' })).pools).toEqual([]);
    expect((await queueRun(rt, { selection: '*' })).pools).toEqual(['coingecko']);
    expect((await queueRun(rt, { selection: 'bronze/api', trigger: 'schedule' })).maxRetries).toBe(2);
    expect((await queueRun(rt, { selection: 'bronze/api' })).maxRetries).toBe(2);
    expect((await queueRun(rt, { selection: 'bronze/api', maxRetries: 0 })).maxRetries).toBe(0);
  });

  it('claims by priority (highest first), then oldest first', async () => {
    const rt = runtime();
    const priorities = [0, 5, 0, -1, 5, 10, 0];
    const queued = [];
    for (const priority of priorities) queued.push(await queueRun(rt, { selection: 'gold/free', priority }));
    const claimed = await claim(database, 100);
    const expected = [...queued]
      .sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((run) => run.id);
    expect(claimed.map((run) => run.id)).toEqual(expected);
    expect(claimed.every((run) => run.status === 'STARTING' && run.workerId === 'w1' && run.heartbeatAt !== null)).toBe(true);
    expect(await claim(database, 100)).toEqual([]);
  });

  it('holds maxConcurrentRuns across claims', async () => {
    const rt = runtime();
    for (let i = 0; i < 5; i += 1) await queueRun(rt, { selection: 'gold/free' });
    const limits = { maxConcurrentRuns: 2 };
    const first = await claim(database, 10, 'w1', limits);
    expect(first).toHaveLength(2);
    expect(await claim(database, 10, 'w2', limits)).toEqual([]);
    await finish(first[0]!.id);
    expect(await claim(database, 10, 'w2', limits)).toHaveLength(1);
  });

  it('pools do not hold runs back at claim: their steps take pool slots as they start', async () => {
    const rt = runtime();
    const a = await queueRun(rt, { selection: 'bronze/api' });
    const b = await queueRun(rt, { selection: 'bronze/api' });
    const c = await queueRun(rt, { selection: 'gold/free' });
    expect((await claim(database, 10)).map((run) => run.id)).toEqual([a.id, b.id, c.id]);
  });

  it('never claims a run whose cancel was requested', async () => {
    const run = await queueRun(runtime(), { selection: 'gold/free' });
    await database.db.updateTable('strata.runs').set({ cancel_requested_at: new Date() }).where('id', '=', run.id).execute();
    expect(await claim(database, 10)).toEqual([]);
  });

  it('two workers on separate connections claiming at once never take the same run, and the limits hold', async () => {
    const rt = runtime();
    const other = backend === 'postgres' ? await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' }) : database;
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 40; i += 1) ids.add((await queueRun(rt, { selection: 'gold/free' })).id);
      const drain = async (db: StrataDatabase, workerId: string) => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await claim(db, 1, workerId);
          if (claimed.length === 0) return mine;
          mine.push(...claimed.map((run) => run.id));
        }
      };
      const [one, two] = await Promise.all([drain(database, 'w1'), drain(other, 'w2'), drain(database, 'w3')]).then(([x, y, z]) => [[...x, ...z], y]);
      expect([...one!, ...two!].sort()).toEqual([...ids].sort());
      if (backend === 'postgres') expect(two!.length).toBeGreaterThan(0);

      // Under a limit, concurrent claimers together take exactly the limit.
      await database.db.updateTable('strata.runs').set({ status: 'CANCELED' }).where('status', 'in', ['STARTING']).execute();
      for (let i = 0; i < 10; i += 1) await queueRun(rt, { selection: 'gold/free' });
      const limits = { maxConcurrentRuns: 3 };
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => claim(i % 2 === 0 ? database : other, 2, `w${i}`, limits)));
      expect(results.flat()).toHaveLength(3);
    } finally {
      if (other !== database) await other.close();
    }
  });
});
