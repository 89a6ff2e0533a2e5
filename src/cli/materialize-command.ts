import type { RunResult, StepResult } from '../core/executor.js';
import type { RunEvent } from '../core/types.js';
import { materialize } from '../daemon/execute-run.js';
import type { Runtime } from '../runtime.js';
import { formatDuration, formatTable, print } from './output.js';

export interface MaterializeArgs {
  readonly selection: string | undefined;
  readonly partition: string | undefined;
  /** Live progress lines (on a TTY). */
  readonly progress: boolean;
}

/** `strata materialize [selection] [--partition KEY]`: runs in this process; exit code 1 when the run did not succeed. */
export async function materializeCommand(runtime: Runtime, args: MaterializeArgs): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSignal);
  const unsubscribe = args.progress ? runtime.events.subscribe(printProgress) : () => {};
  try {
    const { run, result } = await materialize(
      runtime,
      { ...(args.selection ? { selection: args.selection } : {}), ...(args.partition ? { partitionKey: args.partition } : {}) },
      controller.signal,
    );
    print();
    print(`run ${run.id}  selection ${run.selection}  partition ${run.partitionKey ?? '-'}  ${result.status}`);
    print(summaryTable(result));
    return result.status === 'SUCCESS' ? 0 : 1;
  } finally {
    unsubscribe();
    process.off('SIGINT', onSignal);
  }
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
      step.error ?? (step.metadata?.['quarantined'] ? `${String(step.metadata['quarantined'])} quarantined` : ''),
    ]),
  );
}

/** `3/3 passed`, or the failed ones by name: `1 failed: price_in_range`. */
export function formatChecks(step: Pick<StepResult, 'checks'>): string {
  const checks = step.checks ?? [];
  if (checks.length === 0) return '';
  const failed = checks.filter((check) => !check.passed);
  if (failed.length === 0) return `${checks.length}/${checks.length} passed`;
  return `${failed.length} failed: ${failed.map((check) => `${check.check}${check.severity === 'warn' ? ' (warn)' : ''}`).join(', ')}`;
}
