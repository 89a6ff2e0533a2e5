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
import type { PartitionState, UpstreamPartition } from '../../core/automation/partition-facts.js';
import { runText, timeText } from '../../core/automation/reason-text.js';
import type { StoredPartition } from '../../storage/automation-state.js';
import { partitionAt, type AutomatedAsset, type AutomationScope } from './automated-assets.js';
import { refKey, type PartitionRef } from './partition-key.js';
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
  /** Asset partition (refKey) → the queued or running run that has it. */
  readonly inProgress: ReadonlyMap<string, string>;
  readonly now: Date;
}

export async function evaluatePartitions(input: EvaluatePartitionsInput): Promise<PartitionOutcome[]> {
  const { scope, dirty, states, inProgress, now } = input;
  const requested = new Set<string>();
  const outcomes: PartitionOutcome[] = [];
  const entries = [...scope.automated.values()].sort((a, b) => a.order - b.order);
  for (const entry of entries) {
    const keys = [...(dirty.get(entry.asset.key) ?? [])].sort();
    if (keys.length === 0) continue;
    const upstreamOf = new Map(keys.map((key) => [key, safeUpstream(entry, key)]));
    await states.ensure(keys.flatMap((key): PartitionRef[] => [[entry.asset.key, key], ...(upstreamOf.get(key) ?? []).map((ref): PartitionRef => [ref.assetKey, ref.partitionKey])]));
    for (const key of keys) {
      const refs = upstreamOf.get(key);
      const outcome = refs === undefined ? unplaceable(entry, key) : evaluateOne(entry, key, refs);
      outcomes.push(outcome);
      if (!outcome.request) continue;
      requested.add(refKey(entry.asset.key, key));
      for (const downstream of scope.automatedDownstream.get(entry.asset.key) ?? []) {
        let set = dirty.get(downstream.asset.key);
        if (set === undefined) dirty.set(downstream.asset.key, (set = new Set()));
        for (const downstreamKey of downstreamPartitionsOf(downstream.asset, entry.asset, key, now)) set.add(downstreamKey);
      }
    }
  }
  return outcomes;

  function stateOf(assetKey: string, partitionKey: string): PartitionState {
    const stored = states.get(assetKey, partitionKey);
    return { ...stored, inProgressRun: inProgress.get(refKey(assetKey, partitionKey)) ?? null };
  }

  function evaluateOne(entry: AutomatedAsset, key: string, refs: readonly UpstreamRef[]): PartitionOutcome {
    const own = stateOf(entry.asset.key, key);
    const upstream: UpstreamPartition[] = refs.map((ref) => {
      const isRequested = requested.has(refKey(ref.assetKey, ref.partitionKey));
      return {
        ...ref,
        state: stateOf(ref.assetKey, ref.partitionKey),
        ...(isRequested ? { requestedNow: ref.partitionKey === key ? ('same_run' as const) : ('other_run' as const) } : {}),
      };
    });
    const verdict = evaluateCondition(entry.condition, {
      assetKey: entry.asset.key,
      partitionKey: key,
      own,
      upstream,
      hasDeps: Object.keys(entry.asset.deps).length > 0,
      now,
      partitionAt: (time) => partitionAt(entry.asset, time),
    });
    const base = { assetKey: entry.asset.key, partitionKey: key, condition: entry.condition.label, verdict };
    if (!verdict.value) return { ...base, reason: verdict.reason, request: false };
    if (own.inProgressRun !== null) {
      return { ...base, reason: `${verdict.reason}; not requested: this partition is in progress (${runText(own.inProgressRun)})`, request: false };
    }
    const stored = states.get(entry.asset.key, key);
    if (alreadyRequested(stored, entry.condition.label)) {
      return { ...base, reason: `${verdict.reason}; already requested at ${timeText(stored.requestedAt as Date)} (${runText(stored.requestedRun)}) since it became true`, request: false };
    }
    return { ...base, reason: verdict.reason, request: true };
  }
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
