import { InvalidPartitionKeyError, PartitionNotServableError, StrataError, ValidationError } from '../core/errors.js';
import type { RunResult, StepResult } from '../core/executor.js';
import type { RunEvent } from '../core/types.js';
import { materialize } from '../daemon/execute-run.js';
import { RANGE_SEPARATOR, rangeLabel } from '../core/partition-range.js';
import { materializeRange, resolveMaterializeRange, type PartitionOutcome } from '../daemon/materialize-range.js';
import type { Run } from '../storage/index.js';
import type { Runtime } from '../runtime.js';
import { formatDuration, formatTable, print } from './output.js';

export interface MaterializeArgs {
  readonly selection: string | undefined;
  readonly partition: string | undefined;
  /** `--from` and `--to`: a partition range, both ends included, instead of one `--partition`. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Live progress lines (on a TTY). */
  readonly progress: boolean;
}

/**
 * `strata materialize [selection] [--partition KEY | --from KEY --to KEY]`: runs in this process;
 * exit code 1 when a run did not succeed. Bad options are a ValidationError naming the option.
 */
export async function materializeCommand(runtime: Runtime, args: MaterializeArgs): Promise<number> {
  const range = rangeOf(args);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSignal);
  const unsubscribe = args.progress ? runtime.events.subscribe(printProgress) : () => {};
  try {
    if (range) return await materializeRangeCommand(runtime, { selection: args.selection ?? '*', ...range }, controller.signal);
    const { run, result } = await materialize(
      runtime,
      { ...(args.selection ? { selection: args.selection } : {}), ...(args.partition ? { partitionKey: args.partition } : {}) },
      controller.signal,
    );
    printRun(run, result);
    return result.status === 'SUCCESS' ? 0 : 1;
  } finally {
    unsubscribe();
    process.off('SIGINT', onSignal);
  }
}

/** `--from` and `--to`, checked together with `--partition`; undefined without a range. Throws ValidationError naming the option. */
export function rangeOf(args: { readonly partition?: string | undefined; readonly from?: string | undefined; readonly to?: string | undefined }): { from: string; to: string } | undefined {
  const { from, to } = args;
  if (from === undefined && to === undefined) return undefined;
  if (args.partition !== undefined) {
    throw new ValidationError(`materialize takes either --partition or --from/--to, not both (got --partition ${args.partition} and --${from === undefined ? 'to' : 'from'})`);
  }
  if (from === undefined) throw new ValidationError(`--to needs --from: a range has both ends (got --to ${String(to)})`);
  if (to === undefined) throw new ValidationError(`--from needs --to: a range has both ends (got --from ${from})`);
  return { from, to };
}

/** One run per partition, in order; a summary per partition, then one line of counts. */
async function materializeRangeCommand(runtime: Runtime, request: { selection: string; from: string; to: string }, signal: AbortSignal): Promise<number> {
  let range;
  try {
    range = resolveMaterializeRange(runtime, request);
  } catch (error) {
    throw namingOptions(error);
  }
  print(`materialize ${request.selection}: ${range.partitionKeys.length} ${range.partitions.kind} partition(s) ${request.from} .. ${request.to}`);
  const outcomes = await materializeRange(runtime, request, signal, { onPartition: printOutcome });
  // A partition's state is the worst of the runs that cover it (a range run, its own run).
  const states = new Map<string, 'failed' | 'notStarted' | 'skipped' | 'succeeded'>();
  const rank = ['succeeded', 'skipped', 'notStarted', 'failed'] as const;
  for (const outcome of outcomes) {
    const state = 'result' in outcome ? (outcome.result.status === 'SUCCESS' ? 'succeeded' : 'failed') : 'skipped' in outcome ? 'skipped' : 'notStarted';
    const [first, last] = outcome.partition.split(RANGE_SEPARATOR);
    const keys = last === undefined ? [outcome.partition] : range.partitions.keysBetween(first as string, last);
    for (const key of keys) {
      const current = states.get(key);
      if (current === undefined || rank.indexOf(state) > rank.indexOf(current)) states.set(key, state);
    }
  }
  const count = (state: string) => [...states.values()].filter((each) => each === state).length;
  const failed = count('failed');
  const notStarted = count('notStarted');
  const runs = outcomes.filter((outcome) => 'result' in outcome);
  const rangeRuns = runs.filter((outcome) => 'range' in outcome && outcome.range !== undefined);
  const madeRuns = rangeRuns.length === 0 ? '' : `; ${runs.length} run(s), of which ${rangeRuns.length} range run covering ${rangeRuns.map((outcome) => outcome.partition).join(', ')} (single_run assets)`;
  print();
  print(
    `${states.size} partition(s): ${count('succeeded')} succeeded, ${failed} failed, ${count('skipped')} skipped${notStarted > 0 ? `, ${notStarted} not started (interrupted)` : ''}${madeRuns}`,
  );
  return failed > 0 || notStarted > 0 ? 1 : 0;
}

function printOutcome(outcome: PartitionOutcome): void {
  if ('result' in outcome) printRun(outcome.run, outcome.result);
  else if ('skipped' in outcome) {
    print();
    print(`partition ${outcome.partition}  skipped: ${outcome.skipped.reason}`);
  }
}

/** resolveBackfillRange names `from` and `to`; on the command line they are `--from` and `--to`. */
function namingOptions(error: unknown): unknown {
  if (!(error instanceof StrataError) || !/^(from\/to|from|to)\b/.test(error.message)) return error;
  const message = error.message.replace(/^from\/to\b/, '--from/--to').replace(/^(from|to)\b/, '--$1');
  if (error instanceof InvalidPartitionKeyError) return new InvalidPartitionKeyError(message);
  if (error instanceof PartitionNotServableError) return new PartitionNotServableError(error.code, message);
  return new ValidationError(message, { cause: error });
}

function printRun(run: Run, result: RunResult): void {
  print();
  const partition = run.partitionRange === null ? `partition ${run.partitionKey ?? '-'}` : `partitions ${rangeLabel(run.partitionRange)} (one range run)`;
  print(`run ${run.id}  selection ${run.selection}  ${partition}  ${result.status}`);
  print(summaryTable(result));
}

function printProgress(event: RunEvent): void {
  const where = 'assetKey' in event ? `${event.assetKey}${event.partition ? ` [${event.partition}]` : ''}` : '';
  switch (event.type) {
    case 'step:started':
      print(`  … ${where}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`);
      return;
    case 'asset:materialized':
      print(`  ✔ ${where}  ${formatDuration(event.durationMs)}  ${formatMetadata(event.metadata)}`);
      return;
    case 'step:failed':
      print(`  ✘ ${where}  ${event.message}${event.willRetry ? `  (retrying in ${formatDuration(event.retryInMs)})` : ''}`);
      return;
    case 'step:skipped':
      print(`  - ${where}  skipped: ${event.reason}`);
      return;
    case 'check:evaluated':
      if (!event.passed) print(`  ${event.severity === 'error' ? '✘' : '!'} ${where}  check '${event.check}' failed: ${event.message ?? ''}`);
      return;
    default:
  }
}

function formatMetadata(metadata: Readonly<Record<string, unknown>>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

function summaryTable(result: RunResult): string {
  return formatTable(
    ['asset', 'partition', 'status', 'attempts', 'duration', 'rows', 'checks', 'detail'],
    result.steps.map((step) => [
      step.assetKey,
      step.partition ?? '-',
      step.status,
      String(step.attempts),
      formatDuration(step.durationMs),
      step.metadata?.['rows'] === undefined ? '' : String(step.metadata['rows']),
      formatChecks(step),
      formatDetail(step),
    ]),
  );
}

/** The step's error; else what a reader must not miss: rows quarantined, each failed warn check's message (a field stored as NULL). */
export function formatDetail(step: Pick<StepResult, 'error' | 'metadata' | 'checks'>): string {
  if (step.error !== undefined && step.error !== null) return step.error;
  const quarantined = step.metadata?.['quarantined'] ? [`${String(step.metadata['quarantined'])} quarantined`] : [];
  const warnings = (step.checks ?? []).filter((check) => !check.passed && check.severity === 'warn').map((check) => `${check.check}: ${check.message ?? 'failed'}`);
  return [...quarantined, ...warnings].join('; ');
}

/** `3/3 passed`, or the failed ones by name: `1 failed: price_in_range`. */
export function formatChecks(step: Pick<StepResult, 'checks'>): string {
  const checks = step.checks ?? [];
  if (checks.length === 0) return '';
  const failed = checks.filter((check) => !check.passed);
  if (failed.length === 0) return `${checks.length}/${checks.length} passed`;
  return `${failed.length} failed: ${failed.map((check) => `${check.check}${check.severity === 'warn' ? ' (warn)' : ''}`).join(', ')}`;
}
