/**
 * What the real-process tests check after upstream changes of an eager chain a → b → c:
 * one automation run per change, selecting b and c, each materializing b then c after that
 * change; and every stored reason says what happened (the materialization time it names is
 * the one recorded).
 */
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { timeText } from '../../../src/core/automation/reason-text.js';
import type { Database } from '../../../src/storage/index.js';

interface Materialized {
  asset_key: string;
  run_id: string;
  at: Date;
  id: number;
}

export async function materializations(db: Kysely<Database>, partition: string): Promise<Materialized[]> {
  const rows = await sql<Materialized>`SELECT asset_key, run_id, at, id FROM strata.events
    WHERE type = 'asset:materialized' AND partition_key = ${partition} ORDER BY id`.execute(db);
  return rows.rows;
}

export async function automationRunsOf(db: Kysely<Database>): Promise<{ id: string; selection: string; status: string; run_key: string }[]> {
  const rows = await sql<{ id: string; selection: string; status: string; run_key: string }>`
    SELECT id, selection, status, run_key FROM strata.runs WHERE trigger = 'automation' ORDER BY created_at, id`.execute(db);
  return rows.rows;
}

/** `changes` upstream runs of bronze/a (their ids, in order) each followed by exactly one automation run of b and c. */
export async function expectChainFollowed(db: Kysely<Database>, partition: string, upstreamRuns: readonly string[]): Promise<void> {
  const runs = await automationRunsOf(db);
  expect(runs.map((run) => [run.selection, run.status])).toEqual(upstreamRuns.map(() => ['silver/b,gold/c', 'SUCCESS']));
  expect(new Set(runs.map((run) => run.run_key)).size).toBe(runs.length);
  const events = await materializations(db, partition);
  const ofRun = (runId: string, key: string) => events.find((event) => event.run_id === runId && event.asset_key === key);
  for (const [index, upstreamRun] of upstreamRuns.entries()) {
    const a = ofRun(upstreamRun, 'bronze/a');
    const run = runs[index] as (typeof runs)[number];
    const b = ofRun(run.id, 'silver/b');
    const c = ofRun(run.id, 'gold/c');
    expect(a && b && c).toBeTruthy();
    // In order: a, then b, then c; and before the next upstream change.
    expect((b as Materialized).id).toBeGreaterThan((a as Materialized).id);
    expect((c as Materialized).id).toBeGreaterThan((b as Materialized).id);
    const next = upstreamRuns[index + 1];
    if (next !== undefined) expect((c as Materialized).id).toBeLessThan((ofRun(next, 'bronze/a') as Materialized).id);

    // The stored reasons of the evaluation that requested the run name what happened.
    const reasons = await sql<{ asset_key: string; reason: string; value: boolean }>`
      SELECT asset_key, reason, value FROM strata.automation_results WHERE run_id = ${run.id} ORDER BY asset_key DESC`.execute(db);
    expect(reasons.rows).toEqual([
      { asset_key: 'silver/b', value: true, reason: `upstream bronze/a updated at ${timeText((a as Materialized).at)}; none in progress or failed` },
      { asset_key: 'gold/c', value: true, reason: 'upstream silver/b is requested in this evaluation (same run, runs first); none in progress or failed' },
    ]);
  }
  // Each run was requested by one evaluation, stored once.
  const evaluations = await sql<{ run_ids: string[] }>`SELECT run_ids FROM strata.automation_evaluations WHERE runs_requested > 0 ORDER BY id`.execute(db);
  expect(evaluations.rows.flatMap((row) => row.run_ids)).toEqual(runs.map((run) => run.id));
  // Now: nothing upstream changed since the last run; the reasons say so, with the times recorded.
  const lastB = [...events].reverse().find((event) => event.asset_key === 'silver/b') as Materialized;
  const lastA = [...events].reverse().find((event) => event.asset_key === 'bronze/a') as Materialized;
  const current = await sql<{ reason: string; value: boolean }>`SELECT reason, value FROM strata.automation_partitions WHERE asset_key = 'silver/b' AND partition_key = ${partition}`.execute(db);
  expect(current.rows[0]).toEqual({
    value: false,
    reason: `no upstream update since this partition materialized at ${timeText(lastB.at)} (run ${lastB.run_id.slice(0, 8)}); latest upstream update at ${timeText(lastA.at)}`,
  });
}
