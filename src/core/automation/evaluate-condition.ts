/**
 * Evaluates a condition for one asset partition from its facts: true or false, and why, in
 * words the asset page shows ("upstream silver/x updated at …; none in progress or failed",
 * "waiting: upstream bronze/y in progress (run 1a2b3c4d)"). Pure: no clock, no database.
 */
import type { AutomationCondition, OnCronCondition } from './condition.js';
import { hasFailed, type PartitionFacts, type UpstreamPartition } from './partition-facts.js';
import { partitionText, runText, timeText } from './reason-text.js';

export interface Verdict {
  readonly value: boolean;
  readonly reason: string;
}

const yes = (reason: string): Verdict => ({ value: true, reason });
const no = (reason: string): Verdict => ({ value: false, reason });

export function evaluateCondition(condition: AutomationCondition, facts: PartitionFacts): Verdict {
  switch (condition.kind) {
    case 'eager':
      return eager(facts);
    case 'on_cron':
      return onCron(condition, facts);
    case 'missing':
      return facts.own.materializedAt === null
        ? yes('never materialized')
        : no(`materialized at ${timeText(facts.own.materializedAt)} (${runText(facts.own.materializedRun)})`);
    case 'and': {
      const verdicts = condition.operands.map((operand) => evaluateCondition(operand, facts));
      const failed = verdicts.find((verdict) => !verdict.value);
      return failed ?? yes(verdicts.map((verdict) => verdict.reason).join('; '));
    }
    case 'or': {
      const verdicts = condition.operands.map((operand) => evaluateCondition(operand, facts));
      const passed = verdicts.find((verdict) => verdict.value);
      return passed ?? no(verdicts.map((verdict) => verdict.reason).join('; '));
    }
    case 'not': {
      const verdict = evaluateCondition(condition.operand, facts);
      return { value: !verdict.value, reason: `${verdict.value ? '' : 'not '}${condition.operand.label}: ${verdict.reason}` };
    }
  }
}

/** The later of two times (null: none). Loops, not arrays: this runs for every evaluated partition. */
function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.getTime() > a.getTime() ? b : a;
}

function upstreamName(upstream: UpstreamPartition, facts: PartitionFacts): string {
  return `upstream ${partitionText(upstream.assetKey, upstream.partitionKey, facts.partitionKey)}`;
}

/** Why an upstream partition holds this one back, or undefined when it does not. */
function blockerOf(upstream: UpstreamPartition, facts: PartitionFacts): string | undefined {
  const { state } = upstream;
  if (upstream.requestedNow === 'other_run') return `waiting: ${upstreamName(upstream, facts)} is requested in this evaluation (its own run)`;
  if (upstream.requestedNow === 'same_run') return undefined;
  if (state.inProgressRun !== null) return `waiting: ${upstreamName(upstream, facts)} in progress (${runText(state.inProgressRun)})`;
  if (hasFailed(state)) return `waiting: ${upstreamName(upstream, facts)} failed at ${timeText(state.failedAt as Date)} (${runText(state.failedRun)})`;
  if (state.materializedAt === null && !upstream.allowMissing) return `waiting: ${upstreamName(upstream, facts)} never materialized`;
  return undefined;
}

function eager(facts: PartitionFacts): Verdict {
  if (!facts.hasDeps) return no('no upstream assets, so no upstream update can make eager() true');
  const { own } = facts;
  const handled = later(own.materializedAt, own.requestedAt);
  const handledMs = handled === null ? -Infinity : handled.getTime();
  const updated: UpstreamPartition[] = [];
  for (const upstream of facts.upstream) {
    const at = upstream.state.materializedAt;
    if (upstream.requestedNow !== undefined || (at !== null && at.getTime() > handledMs)) updated.push(upstream);
  }
  if (updated.length === 0) return no(noUpdateReason(facts, handled));
  if (own.inProgressRun !== null) return no(`waiting: this partition is in progress (${runText(own.inProgressRun)})`);
  for (const upstream of facts.upstream) {
    const blocker = blockerOf(upstream, facts);
    if (blocker !== undefined) return no(blocker);
  }
  let newestUpdate: Date | null = null;
  for (const upstream of updated) {
    if (upstream.requestedNow !== undefined) {
      newestUpdate = null;
      break;
    }
    newestUpdate = later(newestUpdate, upstream.state.materializedAt);
  }
  if (hasFailed(own) && newestUpdate !== null && (own.failedAt as Date).getTime() >= newestUpdate.getTime()) {
    return no(`waiting: this partition failed at ${timeText(own.failedAt as Date)} (${runText(own.failedRun)}) after its upstream updated; the next upstream update (or a manual run) tries again`);
  }
  const shown = updated.slice(0, 3).map((upstream) =>
    upstream.requestedNow === 'same_run'
      ? `${upstreamName(upstream, facts)} is requested in this evaluation (same run, runs first)`
      : `${upstreamName(upstream, facts)} updated at ${timeText(upstream.state.materializedAt as Date)}`,
  );
  const more = updated.length > 3 ? ` and ${updated.length - 3} more` : '';
  return yes(`${shown.join(', ')}${more}; none in progress or failed`);
}

function noUpdateReason(facts: PartitionFacts, handled: Date | null): string {
  const { own } = facts;
  let newest: Date | null = null;
  for (const upstream of facts.upstream) newest = later(newest, upstream.state.materializedAt);
  if (newest === null) return 'no upstream update: no upstream partition it reads was ever materialized';
  const since =
    own.requestedAt !== null && handled === own.requestedAt
      ? `automation requested it at ${timeText(own.requestedAt)} (${runText(own.requestedRun)})`
      : `this partition materialized at ${timeText(handled as Date)} (${runText(own.materializedRun)})`;
  return `no upstream update since ${since}; latest upstream update at ${timeText(newest)}`;
}

function onCron(condition: OnCronCondition, facts: PartitionFacts): Verdict {
  const tick = condition.times.latestAtOrBefore(facts.now);
  const tickText = `${condition.label} tick at ${timeText(tick)}`;
  const tickPartition = facts.partitionAt(tick);
  if (tickPartition !== facts.partitionKey) return no(`not the partition of the latest ${tickText} (that is ${tickPartition})`);
  const { own } = facts;
  if (own.requestedAt !== null && own.requestedAt.getTime() >= tick.getTime()) {
    return no(`${tickText} already handled: automation requested it at ${timeText(own.requestedAt)} (${runText(own.requestedRun)})`);
  }
  if (own.materializedAt !== null && own.materializedAt.getTime() >= tick.getTime()) {
    return no(`${tickText} already handled: materialized at ${timeText(own.materializedAt)} (${runText(own.materializedRun)})`);
  }
  if (own.inProgressRun !== null) return no(`waiting: this partition is in progress (${runText(own.inProgressRun)})`);
  const updatedSince = (upstream: UpstreamPartition): boolean =>
    upstream.requestedNow === 'same_run' || (upstream.state.materializedAt !== null && upstream.state.materializedAt.getTime() >= tick.getTime());
  const stale = facts.upstream.find((upstream) => !updatedSince(upstream));
  if (stale !== undefined) {
    const last = stale.state.materializedAt === null ? 'never materialized' : `last at ${timeText(stale.state.materializedAt)}`;
    return no(`waiting: ${tickText} passed; ${upstreamName(stale, facts)} not updated since (${last})`);
  }
  for (const upstream of facts.upstream) {
    const blocker = blockerOf(upstream, facts);
    if (blocker !== undefined) return no(blocker);
  }
  return yes(`${tickText} passed; ${facts.upstream.length === 0 ? 'no upstream to wait for' : 'every upstream partition updated since'}`);
}
