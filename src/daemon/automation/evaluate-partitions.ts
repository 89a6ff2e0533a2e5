/**
 * Evaluates the dirty partitions of the automated assets, upstream assets first, and decides
 * which to request. A partition is requested when its condition is true, it is not in
 * progress, and automation has not requested it since the condition last became true: a
 * condition that stays true (missing() while its run fails) requests once, not every time.
 * A requested partition makes the downstream partitions that read it dirty too, and counts as
 * an update for them: with the same partition key they join its run (the executor orders the
 * steps), so an eager chain b → c after an upstream change is one run, not two.
 */
import { evaluateCondition, type Verdict } from '../../core/automation/evaluate-condition.js';
import { upstreamPartitionsOf, downstreamPartitionsOf, type UpstreamRef } from '../../core/automation/partition-relations.js';
import type { UpstreamPartition } from '../../core/automation/partition-facts.js';
import { runText, timeText } from '../../core/automation/reason-text.js';
import type { StoredPartition } from '../../storage/automation-state.js';
import { partitionAt, type AutomatedAsset, type AutomationScope } from './automated-assets.js';
import type { PartitionRef } from './partition-key.js';
import type { PartitionStates } from './partition-states.js';

export interface PartitionOutcome {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly condition: string;
  readonly verdict: Verdict;
  /** What is stored and shown: the condition's reason, and why a true one requested nothing. */
  readonly reason: string;
  readonly request: boolean;
}

export interface EvaluatePartitionsInput {
  readonly scope: AutomationScope;
  readonly dirty: Map<string, Set<string>>;
  readonly states: PartitionStates;
  readonly now: Date;
}

export async function evaluatePartitions(input: EvaluatePartitionsInput): Promise<PartitionOutcome[]> {
  const { scope, dirty, states, now } = input;
  // Asset → partitions requested so far in this evaluation.
  const requested = new Map<string, Set<string>>();
  const outcomes: PartitionOutcome[] = [];
  const entries = [...scope.automated.values()].sort((a, b) => a.order - b.order);
  for (const entry of entries) {
    const keys = [...(dirty.get(entry.asset.key) ?? [])].sort();
    if (keys.length === 0) continue;
    const upstreamOf = new Map(keys.map((key) => [key, safeUpstream(entry, key)]));
    // Loaded up front (partitionsToLoad); this only loads what a request added beyond that.
    const missing: PartitionRef[] = [];
    for (const key of keys) {
      if (!states.has(entry.asset.key, key)) missing.push([entry.asset.key, key]);
      for (const ref of upstreamOf.get(key) ?? []) if (!states.has(ref.assetKey, ref.partitionKey)) missing.push([ref.assetKey, ref.partitionKey]);
    }
    await states.ensure(missing);
    const hasDeps = Object.keys(entry.asset.deps).length > 0;
    const partitionOf = (time: Date): string => partitionAt(entry.asset, time);
    for (const key of keys) {
      const refs = upstreamOf.get(key);
      const outcome = refs === undefined ? unplaceable(entry, key) : evaluateOne(entry, key, refs, hasDeps, partitionOf);
      outcomes.push(outcome);
      if (!outcome.request) continue;
      let mine = requested.get(entry.asset.key);
      if (mine === undefined) requested.set(entry.asset.key, (mine = new Set()));
      mine.add(key);
      for (const downstream of scope.automatedDownstream.get(entry.asset.key) ?? []) {
        let set = dirty.get(downstream.asset.key);
        if (set === undefined) dirty.set(downstream.asset.key, (set = new Set()));
        for (const downstreamKey of downstreamPartitionsOf(downstream.asset, entry.asset, key, now)) set.add(downstreamKey);
      }
    }
  }
  return outcomes;

  function evaluateOne(entry: AutomatedAsset, key: string, refs: readonly UpstreamRef[], hasDeps: boolean, partitionOf: (time: Date) => string): PartitionOutcome {
    const own = states.get(entry.asset.key, key);
    const upstream: UpstreamPartition[] = refs.map((ref) => {
      const state = states.get(ref.assetKey, ref.partitionKey);
      if (requested.get(ref.assetKey)?.has(ref.partitionKey) !== true) return { assetKey: ref.assetKey, partitionKey: ref.partitionKey, allowMissing: ref.allowMissing, state };
      return { assetKey: ref.assetKey, partitionKey: ref.partitionKey, allowMissing: ref.allowMissing, state, requestedNow: ref.partitionKey === key ? 'same_run' : 'other_run' };
    });
    const verdict = evaluateCondition(entry.condition, {
      assetKey: entry.asset.key,
      partitionKey: key,
      own,
      upstream,
      hasDeps,
      now,
      partitionAt: partitionOf,
    });
    const outcome = (reason: string, request: boolean): PartitionOutcome => ({ assetKey: entry.asset.key, partitionKey: key, condition: entry.condition.label, verdict, reason, request });
    if (!verdict.value) return outcome(verdict.reason, false);
    if (own.inProgressRun !== null) return outcome(`${verdict.reason}; not requested: this partition is in progress (${runText(own.inProgressRun)})`, false);
    if (alreadyRequested(own, entry.condition.label)) {
      return outcome(`${verdict.reason}; already requested at ${timeText(own.requestedAt as Date)} (${runText(own.requestedRun)}) since it became true`, false);
    }
    return outcome(verdict.reason, true);
  }
}

/**
 * Every stored row an evaluation of `dirty` may read: the dirty partitions, the automated
 * partitions downstream of them (a request makes those dirty too), and the upstream
 * partitions each reads. Loaded in one query up front instead of one per asset.
 */
export function partitionsToLoad(scope: AutomationScope, dirty: ReadonlyMap<string, ReadonlySet<string>>, now: Date): PartitionRef[] {
  const seen = new Map<string, Set<string>>();
  const refs: PartitionRef[] = [];
  const queue: PartitionRef[] = [];
  const visit = (assetKey: string, key: string): void => {
    let keys = seen.get(assetKey);
    if (keys === undefined) seen.set(assetKey, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    queue.push([assetKey, key]);
  };
  for (const [assetKey, keys] of dirty) for (const key of keys) visit(assetKey, key);
  while (queue.length > 0) {
    const [assetKey, key] = queue.pop() as PartitionRef;
    const entry = scope.automated.get(assetKey);
    if (entry === undefined) continue;
    refs.push([assetKey, key]);
    for (const ref of safeUpstream(entry, key) ?? []) refs.push([ref.assetKey, ref.partitionKey]);
    for (const downstream of scope.automatedDownstream.get(assetKey) ?? []) {
      for (const downstreamKey of downstreamPartitionsOf(downstream.asset, entry.asset, key, now)) visit(downstream.asset.key, downstreamKey);
    }
  }
  return refs;
}

/** True since before automation's last request of it: that request answered this streak. */
function alreadyRequested(stored: StoredPartition, condition: string): boolean {
  return (
    stored.condition === condition &&
    stored.value === true &&
    stored.trueSince !== null &&
    stored.requestedAt !== null &&
    stored.requestedAt.getTime() >= stored.trueSince.getTime()
  );
}

function safeUpstream(entry: AutomatedAsset, key: string): UpstreamRef[] | undefined {
  try {
    return upstreamPartitionsOf(entry.asset, key);
  } catch {
    return undefined;
  }
}

function unplaceable(entry: AutomatedAsset, key: string): PartitionOutcome {
  const reason = `'${key}' is not a partition of ${entry.asset.key}'s kind; nothing to evaluate`;
  return { assetKey: entry.asset.key, partitionKey: key, condition: entry.condition.label, verdict: { value: false, reason }, reason, request: false };
}
