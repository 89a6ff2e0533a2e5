/**
 * The evaluator's lease, on PGlite and Postgres: two daemons share one database; only the
 * leader evaluates while it lives (the other returns 'not-leader' and reads nothing, the feed
 * keeps its changes), a leader whose process row goes silent or stops, or that releases the
 * lease, is replaced, and the runs and reasons are the same as with one evaluator.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { startAutomationLoop } from '../../../src/daemon/automation/automation-loop.js';
import { evaluateAutomation, type AutomationEvaluation } from '../../../src/daemon/automation/evaluate-automation.js';
import { PartitionMemory } from '../../../src/daemon/automation/partition-memory.js';
import type { Runtime } from '../../../src/runtime.js';
import { releaseAutomationLease } from '../../../src/storage/automation-leader.js';
import { heartbeatProcess, markProcessStopped, openDatabase, registerProcess, type StrataDatabase } from '../../../src/storage/index.js';
import { describeEachBackend } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { automationRuns, automationRuntime, chainAssets, currentResult, resultHistory, run } from './automation-harness.js';

const P1 = '2026-03-02T00:00Z';
const P2 = '2026-03-02T06:00Z';
const HEARTBEAT_TIMEOUT_MS = 10_000;

describeEachBackend('automation leader lease', (backend) => {
  let database: TestDatabase;
  // On Postgres the second daemon has its own pool; PGlite is one process, one database.
  let second: StrataDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(`automation_leader_${backend}`, { backend });
    second = backend === 'postgres' ? await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' }) : database;
  });
  afterAll(async () => {
    if (second !== database) await second?.close();
    await database?.destroy();
  });

  const leaderRow = async () =>
    (await sql<{ leader_id: string | null }>`SELECT leader_id FROM strata.automation_cursor WHERE id = 1`.execute(database.db)).rows[0]?.leader_id;
  const feedSize = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.automation_changes`.execute(database.db)).rows[0]?.n;

  it('only the leader evaluates; a silent, stopped or releasing leader hands over; runs and reasons stay exactly right', async () => {
    const clock = new ManualClock(new Date('2026-03-02T07:00:00Z'));
    const assets = chainAssets();
    const one = automationRuntime(database, clock, assets);
    const two = automationRuntime(second, clock, assets);
    const daemons = {
      a: { runtime: one, memory: new PartitionMemory() },
      b: { runtime: two, memory: new PartitionMemory() },
    };
    for (const id of ['a', 'b']) await registerProcess(database.db, { id, kind: 'daemon', hostname: 'h', pid: 1, at: clock.now() });
    const beat = (...ids: string[]) => Promise.all(ids.map((id) => heartbeatProcess(database.db, id, clock.now())));
    const evaluate = (id: 'a' | 'b'): Promise<AutomationEvaluation> =>
      evaluateAutomation(daemons[id].runtime, {
        processId: id,
        memory: daemons[id].memory,
        lease: { leaderId: id, leaseMs: 600_000, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS },
      });

    expect((await evaluate('a')).outcome).toBe('committed');
    clock.set(new Date('2026-03-02T07:01:00Z'));
    await run(one, { selection: 'bronze/a', partitionKey: P1 });
    const pending = await feedSize();
    expect(pending).toBeGreaterThan(0);

    // The leader is alive: the other skips without reading; the feed still holds the change.
    clock.set(new Date('2026-03-02T07:01:05Z'));
    await beat('a', 'b');
    const skipped = await evaluate('b');
    expect(skipped).toMatchObject({ outcome: 'not-leader', changesRead: 0, runIds: [], leader: { id: 'a' } });
    expect(skipped.leader?.freeAt).toEqual(new Date(clock.now().getTime() + HEARTBEAT_TIMEOUT_MS));
    expect(await feedSize()).toBe(pending);
    const first = await evaluate('a');
    expect(first).toMatchObject({ outcome: 'committed', changesRead: pending });
    expect(first.runIds).toHaveLength(1);
    expect((await evaluate('b')).outcome).toBe('not-leader');

    // The leader is SIGKILLed: its heartbeat goes silent, and the other takes over and folds what the feed holds.
    clock.set(new Date('2026-03-02T07:02:00Z'));
    await run(one, { selection: 'bronze/a', partitionKey: P2 });
    clock.set(new Date('2026-03-02T07:02:30Z'));
    await beat('b');
    const takeover = await evaluate('b');
    expect(takeover.outcome).toBe('committed');
    expect(takeover.runIds).toHaveLength(1);
    // All it left in the feed is the run it queued itself, for the next evaluation.
    const left = await sql<{ kind: string; run_id: string }>`SELECT kind, run_id FROM strata.automation_changes`.execute(database.db);
    expect(left.rows).toEqual([{ kind: 'run_queued', run_id: takeover.runIds[0] }]);
    expect(await leaderRow()).toBe('b');
    // The old leader comes back: it is not the leader any more.
    await beat('a');
    expect(await evaluate('a')).toMatchObject({ outcome: 'not-leader', leader: { id: 'b' } });

    // A stopping leader releases the lease: the other takes over at once.
    await releaseAutomationLease(database.db, 'b');
    expect(await leaderRow()).toBeNull();
    expect((await evaluate('a')).outcome).not.toBe('not-leader');
    expect(await leaderRow()).toBe('a');
    // A leader whose process row says stopped is replaced even if it kept the lease.
    await markProcessStopped(database.db, 'a', clock.now());
    expect((await evaluate('b')).outcome).not.toBe('not-leader');
    expect(await leaderRow()).toBe('b');

    const runs = await automationRuns(database.db);
    expect(runs.map((r) => r.partition_key)).toEqual([P1, P2]);
    expect(runs.map((r) => r.id)).toEqual([...first.runIds, ...takeover.runIds]);
    const evaluations = await sql<{ process_id: string; run_ids: string[] }>`
      SELECT process_id, run_ids FROM strata.automation_evaluations WHERE runs_requested > 0 ORDER BY id`.execute(database.db);
    expect(evaluations.rows).toEqual([
      { process_id: 'a', run_ids: first.runIds },
      { process_id: 'b', run_ids: takeover.runIds },
    ]);
    const requested = (await resultHistory(database.db, 'silver/b')).filter((result) => result.run_id !== null);
    expect(requested).toEqual([
      { asset_key: 'silver/b', partition_key: P1, value: true, reason: 'upstream bronze/a updated at 2026-03-02 07:01:00Z; none in progress or failed', run_id: first.runIds[0] },
      { asset_key: 'silver/b', partition_key: P2, value: true, reason: 'upstream bronze/a updated at 2026-03-02 07:02:00Z; none in progress or failed', run_id: takeover.runIds[0] },
    ]);
    expect(await currentResult(database.db, 'silver/b', P2)).toMatchObject({
      value: false,
      reason: `no upstream update since automation requested it at 2026-03-02 07:02:30Z (run ${takeover.runIds[0]?.slice(0, 8)}); latest upstream update at 2026-03-02 07:02:00Z`,
    });
  });

  it('a loop that stops releases the lease, and the next loop evaluates when woken', async () => {
    await sql`UPDATE strata.automation_cursor SET leader_id = NULL, lease_expires_at = NULL`.execute(database.db);
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));
    const assets = chainAssets();
    const evaluations = (runtime: Runtime, processId: string) => {
      const seen: AutomationEvaluation[] = [];
      const waiters: Array<() => void> = [];
      const next = () => new Promise<AutomationEvaluation>((resolve) => waiters.push(() => resolve(seen[seen.length - 1] as AutomationEvaluation)));
      const loop = startAutomationLoop(runtime, {
        processId,
        onEvaluation: (evaluation) => {
          seen.push(evaluation);
          waiters.splice(0).forEach((wake) => wake());
        },
      });
      return { loop, next };
    };
    const a = evaluations(automationRuntime(database, clock, assets), 'loop-a');
    const firstOfA = await a.next();
    expect(firstOfA.outcome).not.toBe('not-leader');
    const b = evaluations(automationRuntime(second, clock, assets), 'loop-b');
    expect(await b.next()).toMatchObject({ outcome: 'not-leader', leader: { id: 'loop-a' } });

    const loopB = await b.loop;
    try {
      await (await a.loop).stop();
      // Released: empty, or already taken by B, which the release's notification woke.
      expect(await leaderRow()).not.toBe('loop-a');
      const afterStop = b.next();
      loopB.wake();
      expect((await afterStop).outcome).not.toBe('not-leader');
      expect(await leaderRow()).toBe('loop-b');
    } finally {
      await loopB.stop();
    }
  });
});
