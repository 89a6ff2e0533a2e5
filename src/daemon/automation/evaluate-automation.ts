/**
 * One automation evaluation: fold what changed since the last one into the stored state,
 * evaluate the conditions of the partitions that can have changed, request runs, and store
 * it all in ONE transaction guarded by compare-and-set on the cursor.
 *
 * Why it is exactly once with several daemons, and never skips a change:
 * - it reads in one REPEATABLE READ snapshot: the cursor, the change feed, the stored state
 *   and the runs in progress agree with each other;
 * - it writes in one transaction that first moves the cursor from the value it read; if
 *   another daemon moved it first, nothing is stored (the loser rolls back, and evaluates
 *   again from the new state);
 * - the change feed is drained, not read past a cursor: the transaction deletes exactly the
 *   change rows it folded. A change committed late (bigserial ids and timestamps are taken
 *   before commit, so under concurrent writers a smaller id can become visible after a larger
 *   one) was not in the snapshot, is still in the table, and is folded next time.
 *
 * With a lease (automation-leader.ts) only the daemon holding it evaluates; the others return
 * 'not-leader' before reading anything. The lease only saves work: the compare-and-set above
 * is what keeps evaluations exactly once, with or without it.
 *
 * Its cost follows what changed and what is running, not history: it reads the feed (drained,
 * so small), the stored rows of the partitions concerned (by primary key; a daemon whose own
 * commit was the last one already holds them, partition-memory.ts) and the active runs (the
 * queue's status index); it writes only partitions whose state or result changed.
 */
import type { Runtime } from '../../runtime.js';
import {
  advanceAutomationCursor,
  deleteAutomationChanges,
  insertEvaluation,
  readActiveRunPartitions,
  readAutomatedAssets,
  readAutomationChanges,
  readAutomationCursor,
  readRunAssets,
  replaceAutomatedAssets,
  upsertPartitions,
  writeResultChanges,
  type AutomatedAssetRow,
  type ResultChange,
} from '../../storage/automation-state.js';
import { claimAutomationLease } from '../../storage/automation-leader.js';
import { createRuns } from '../../storage/index.js';
import { announceQueueChanged } from '../queue-signals.js';
import { automationScope, type AutomationScope } from './automated-assets.js';
import { planAutomationRuns } from './automation-runs.js';
import { dirtyPartitions } from './dirty-partitions.js';
import { evaluatePartitions, partitionsToLoad, type PartitionOutcome } from './evaluate-partitions.js';
import type { PartitionRef } from './partition-key.js';
import type { PartitionMemory } from './partition-memory.js';
import { PartitionStates } from './partition-states.js';

/** Changes folded per evaluation at most; a longer backlog is worked off in several. */
export const MAX_CHANGES_PER_EVALUATION = 50_000;

export interface AutomationEvaluation {
  /**
   * idle: nothing changed; committed: stored; lost: another daemon stored this evaluation first;
   * not-leader: another daemon holds the lease (see `leader`), nothing was read.
   */
  readonly outcome: 'idle' | 'committed' | 'lost' | 'not-leader';
  readonly evaluationId: number | null;
  readonly changesRead: number;
  readonly partitionsEvaluated: number;
  readonly partitionsChanged: number;
  readonly runIds: readonly string[];
  readonly durationMs: number;
  /** Where durationMs went: the snapshot's reads, the evaluation in memory, the write transaction. */
  readonly phasesMs: { readonly read: number; readonly evaluate: number; readonly write: number };
  /** The change batch was full: evaluate again at once. */
  readonly moreChanges: boolean;
  /** When not the leader: who is, and when its lease becomes free unless it renews or beats again. */
  readonly leader?: { readonly id: string; readonly freeAt: Date };
}

export interface AutomationLeaseOptions {
  /** Who claims the lease: the daemon's process id. */
  readonly leaderId: string;
  readonly leaseMs: number;
  /** STRATA_HEARTBEAT_TIMEOUT: a leader whose process row is silent this long is gone. */
  readonly heartbeatTimeoutMs: number;
}

export interface EvaluateAutomationOptions {
  /** The daemon's row in `strata.processes`, stored with the evaluation. */
  readonly processId?: string;
  readonly maxChanges?: number;
  /**
   * The daemon's rows from its previous evaluation (partition-memory.ts): used while no other
   * evaluator has committed since, and updated by this one when it commits.
   */
  readonly memory?: PartitionMemory;
  /** Evaluate only while holding (and renewing) the evaluator's lease; without it, always evaluate. */
  readonly lease?: AutomationLeaseOptions;
}

class LostRace extends Error {}

export async function evaluateAutomation(runtime: Runtime, options: EvaluateAutomationOptions = {}): Promise<AutomationEvaluation> {
  const started = performance.now();
  const now = runtime.clock.now();
  const { db } = runtime.database;
  const maxChanges = options.maxChanges ?? MAX_CHANGES_PER_EVALUATION;
  if (options.lease !== undefined) {
    const lease = await claimAutomationLease(db, { ...options.lease, now });
    if (!lease.leader) {
      const durationMs = performance.now() - started;
      return {
        outcome: 'not-leader',
        evaluationId: null,
        changesRead: 0,
        partitionsEvaluated: 0,
        partitionsChanged: 0,
        runIds: [],
        durationMs,
        phasesMs: { read: durationMs, evaluate: 0, write: 0 },
        moreChanges: false,
        leader: { id: lease.leaderId, freeAt: lease.freeAt },
      };
    }
  }
  const scope = automationScope(runtime.graph, now);

  let evaluating: number | undefined;
  let writing: number | undefined;
  const read = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const cursor = await readAutomationCursor(trx);
      const changes = await readAutomationChanges(trx, maxChanges);
      const runAssets = await readRunAssets(trx, changes.filter((change) => change.assetKey === null).map((change) => change.runId));
      const stored = await readAutomatedAssets(trx);
      const dirty = dirtyPartitions({ scope, changes, runAssets, stored, lastEvaluatedAt: cursor.evaluatedAt, now });
      const assets = automatedAssetRows(scope);
      const assetsChanged = !sameAssets(stored, assets);
      if (changes.length === 0 && dirty.size === 0 && !assetsChanged) return undefined;
      const inProgress = new Map<string, Map<string, string>>();
      for (const active of await readActiveRunPartitions(trx)) {
        const asset = scope.graph.assets.get(active.assetKey);
        let byPartition = inProgress.get(active.assetKey);
        if (byPartition === undefined) inProgress.set(active.assetKey, (byPartition = new Map()));
        byPartition.set(asset?.partitions === undefined ? '' : active.partitionKey, active.runId);
      }
      const states = new PartitionStates(trx, inProgress, options.memory?.take(cursor));
      // Starting from nothing, everything the evaluation may read is loaded in one query up
      // front; from kept rows (usually all it needs), only the folded ones here and whatever
      // is still missing asset by asset as the evaluation reaches it.
      await states.ensure([
        ...changes.flatMap((change): PartitionRef[] => (change.assetKey === null ? [] : [[change.assetKey, change.partitionKey]])),
        ...(states.size > 0 ? [] : partitionsToLoad(scope, dirty, now)),
      ]);
      for (const change of changes) states.fold(change);
      evaluating = performance.now();
      const outcomes = await evaluatePartitions({ scope, dirty, states, now });
      return { cursor, changes, states, outcomes, assets, assetsChanged };
    });
  const elapsed = (): number => performance.now() - started;
  const phases = () => {
    const end = performance.now();
    const evaluateAt = evaluating ?? end;
    const writeAt = writing ?? end;
    return { read: evaluateAt - started, evaluate: writeAt - evaluateAt, write: end - writeAt };
  };
  if (read === undefined) {
    return { outcome: 'idle', evaluationId: null, changesRead: 0, partitionsEvaluated: 0, partitionsChanged: 0, runIds: [], durationMs: elapsed(), phasesMs: phases(), moreChanges: false };
  }

  const { cursor, changes, states, assets, assetsChanged } = read;
  const evaluationId = cursor.evaluationId + 1;
  const plan = planAutomationRuns(runtime, read.outcomes, evaluationId);
  const refused = new Map(plan.refused.map((outcome) => [outcome.original, outcome.refused]));
  const outcomes = read.outcomes.map((outcome) => refused.get(outcome) ?? outcome);

  let runIds: string[];
  let resultChanges: ResultChange[];
  writing = performance.now();
  try {
    ({ runIds, resultChanges } = await db.transaction().execute(async (trx) => {
      if (!(await advanceAutomationCursor(trx, cursor.evaluationId, now))) throw new LostRace();
      await deleteAutomationChanges(trx, changes.map((change) => change.id));
      const runOf = new Map<PartitionOutcome, string>();
      const runs = await createRuns(trx, plan.runs.map((planned) => planned.input));
      const ids = runs.map((run) => run.id);
      plan.runs.forEach((planned, i) => {
        for (const outcome of planned.outcomes) runOf.set(outcome, ids[i] as string);
      });
      const written = recordOutcomes(states, outcomes, runOf, evaluationId, now);
      await upsertPartitions(trx, states.changedRows());
      await writeResultChanges(trx, evaluationId, now, written);
      if (assetsChanged) await replaceAutomatedAssets(trx, assets, now);
      if (outcomes.length > 0) {
        await insertEvaluation(trx, {
          id: evaluationId,
          processId: options.processId ?? null,
          startedAt: now,
          durationMs: performance.now() - started,
          changesRead: changes.length,
          partitionsEvaluated: outcomes.length,
          partitionsChanged: written.length,
          runIds: ids,
        });
      }
      return { runIds: ids, resultChanges: written };
    }));
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    return { outcome: 'lost', evaluationId: null, changesRead: changes.length, partitionsEvaluated: outcomes.length, partitionsChanged: 0, runIds: [], durationMs: elapsed(), phasesMs: phases(), moreChanges: true };
  }
  options.memory?.keep({ evaluationId, evaluatedAt: now }, states.rows, states.size);
  if (runIds.length > 0) announceQueueChanged(runtime.database);
  return {
    outcome: 'committed',
    evaluationId,
    changesRead: changes.length,
    partitionsEvaluated: outcomes.length,
    partitionsChanged: resultChanges.length,
    runIds,
    durationMs: elapsed(),
    phasesMs: phases(),
    moreChanges: changes.length >= maxChanges,
  };
}

/**
 * Sets each evaluated partition's stored result, and returns the ones that changed (the
 * history rows): a partition evaluated again to the same result and reason writes nothing.
 */
function recordOutcomes(
  states: PartitionStates,
  outcomes: readonly PartitionOutcome[],
  runOf: ReadonlyMap<PartitionOutcome, string>,
  evaluationId: number,
  now: Date,
): ResultChange[] {
  const written: ResultChange[] = [];
  for (const outcome of outcomes) {
    const stored = states.get(outcome.assetKey, outcome.partitionKey);
    const runId = runOf.get(outcome) ?? null;
    const value = outcome.verdict.value;
    const changed = stored.condition !== outcome.condition || stored.value !== value || stored.reason !== outcome.reason || runId !== null;
    if (!changed) continue;
    const wasTrue = stored.condition === outcome.condition && stored.value === true;
    const change: ResultChange = {
      assetKey: outcome.assetKey,
      partitionKey: outcome.partitionKey,
      condition: outcome.condition,
      value,
      reason: outcome.reason,
      trueSince: value ? (wasTrue ? stored.trueSince : now) : null,
      runId,
    };
    states.setResult(stored, change, evaluationId, now);
    written.push(change);
  }
  return written;
}

function automatedAssetRows(scope: AutomationScope): AutomatedAssetRow[] {
  return [...scope.automated.values()].map((entry) => ({ assetKey: entry.asset.key, condition: entry.condition.label, latestPartition: entry.latestPartition }));
}

function sameAssets(stored: ReadonlyMap<string, AutomatedAssetRow>, current: readonly AutomatedAssetRow[]): boolean {
  if (stored.size !== current.length) return false;
  return current.every((row) => {
    const before = stored.get(row.assetKey);
    return before !== undefined && before.condition === row.condition && before.latestPartition === row.latestPartition;
  });
}
