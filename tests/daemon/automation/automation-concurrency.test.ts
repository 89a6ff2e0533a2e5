/**
 * What only a real server shows: a materialization that commits after a later one (ids and
 * times are taken before commit) is still folded, once; and two evaluators racing on one
 * change store one evaluation and request one run, the loser rolling back.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { evaluateAutomation } from '../../../src/daemon/automation/evaluate-automation.js';
import { createRun, openDatabase, recordEvents, type StrataDatabase } from '../../../src/storage/index.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { automationRuns, automationRuntime, chainAssets, currentResult } from './automation-harness.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';
const P1 = '2026-03-02T00:00Z';
const P2 = '2026-03-02T06:00Z';

describePostgres(`automation under concurrent writers and evaluators [postgres]${title}`, () => {
  let database: TestDatabase;
  let second: StrataDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('automation_concurrency', { backend: 'postgres' });
    second = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' });
  });
  afterAll(async () => {
    await second?.close();
    await database?.destroy();
  });

  /** A run whose bronze/a step is materialized by the returned events. */
  async function materializedEvents(partition: string, at: Date) {
    const run = await createRun(database.db, { selection: 'bronze/a', partitionKey: partition, trigger: 'manual', assetKeys: ['bronze/a'] });
    // Ended, so bronze/a is not in progress (the events below are what the test is about).
    await sql`UPDATE strata.runs SET status = 'SUCCESS', ended_at = ${at} WHERE id = ${run.id}`.execute(database.db);
    return [{ type: 'asset:materialized' as const, runId: run.id, at, assetKey: 'bronze/a', partition, value: {}, metadata: {}, durationMs: 1 }];
  }

  it('a change that commits after a later one is folded in the next evaluation, exactly once', async () => {
    const clock = new ManualClock(new Date('2026-03-02T07:00:00Z'));
    const runtime = automationRuntime(database, clock, chainAssets());
    await evaluateAutomation(runtime);
    const early = await materializedEvents(P1, new Date('2026-03-02T07:00:01Z'));
    const late = await materializedEvents(P2, new Date('2026-03-02T07:00:02Z'));
    await evaluateAutomation(runtime);

    // The early writer takes its id first and commits last.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const event = early[0] as (typeof early)[number];
      await client.query(
        `INSERT INTO strata.events (run_id, type, at, asset_key, partition_key, payload) VALUES ($1, 'asset:materialized', $2, 'bronze/a', $3, $4)`,
        [event.runId, event.at, P1, JSON.stringify({ assetKey: 'bronze/a', partition: P1, value: {}, metadata: {}, durationMs: 1 })],
      );
      await recordEvents(database.db, late);
      const ids = await sql<{ id: number }>`SELECT id FROM strata.automation_changes ORDER BY id`.execute(database.db);
      expect(ids.rows).toHaveLength(1);

      clock.set(new Date('2026-03-02T07:01:00Z'));
      const first = await evaluateAutomation(runtime);
      expect(first.changesRead).toBe(1);
      expect((await automationRuns(database.db)).map((r) => r.partition_key)).toEqual([P2]);

      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    clock.set(new Date('2026-03-02T07:02:00Z'));
    const next = await evaluateAutomation(runtime);
    // The late materialization, and the run the first evaluation queued.
    expect(next.changesRead).toBe(2);
    expect((await automationRuns(database.db)).map((r) => r.partition_key)).toEqual([P2, P1]);
    expect(await currentResult(database.db, 'silver/b', P1)).toMatchObject({ value: true, reason: 'upstream bronze/a updated at 2026-03-02 07:00:01Z; none in progress or failed' });
    // Folding the run it queued requests nothing more; then there is nothing left to fold.
    expect((await evaluateAutomation(runtime)).runIds).toEqual([]);
    expect((await evaluateAutomation(runtime)).outcome).toBe('idle');
  });

  it('two evaluators racing on one change: one commits, the other rolls back; one run', async () => {
    await sql`DELETE FROM strata.runs WHERE trigger = 'automation'`.execute(database.db);
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));
    const assets = chainAssets();
    const one = automationRuntime(database, clock, assets);
    const two = automationRuntime(second, clock, assets);
    const P3 = '2026-03-02T12:00Z';
    const events = await materializedEvents(P3, new Date('2026-03-02T08:00:00Z'));
    await evaluateAutomation(one);
    await recordEvents(database.db, events);
    clock.set(new Date('2026-03-02T12:30:00Z'));
    const results = await Promise.all([evaluateAutomation(one), evaluateAutomation(two)]);
    const outcomes = results.map((r) => r.outcome).sort();
    // Both read the same snapshot (lost) or the second saw the first's commit (idle or committed with nothing new).
    expect(outcomes.filter((o) => o === 'committed').length).toBeGreaterThanOrEqual(1);
    const runs = (await automationRuns(database.db)).filter((r) => r.partition_key === P3);
    expect(runs).toHaveLength(1);
    const evaluations = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.automation_evaluations WHERE run_ids @> ARRAY[${runs[0]?.id}]::uuid[]`.execute(database.db);
    expect(evaluations.rows[0]?.n).toBe(1);
    if (outcomes.includes('lost')) expect(outcomes).toEqual(['committed', 'lost']);
  });
});
