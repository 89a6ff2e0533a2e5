import { ValidationError } from '../core/errors.js';
import { rangeLabel } from '../core/partition-range.js';
import {
  cancelBackfill,
  createBackfill,
  getBackfillDetail,
  listBackfillDetails,
  reexecuteFailedBackfill,
  type BackfillDetail,
} from '../daemon/backfill.js';
import type { Runtime } from '../runtime.js';
import { formatTable, print } from './output.js';

export interface BackfillArgs {
  /** `[selection]`, or a subcommand and its backfill id: `list`, `show <id>`, `cancel <id>`, `reexecute-failed <id>`. */
  readonly positionals: readonly string[];
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly chunk: number | undefined;
  readonly json: boolean;
}

const SUBCOMMANDS = new Set(['list', 'show', 'cancel', 'reexecute-failed']);

/**
 * `strata backfill <selection> --from KEY --to KEY [--chunk N]` queues the runs (workers execute
 * them) and prints the backfill; `list`, `show <id>`, `cancel <id>`, `reexecute-failed <id>`.
 * Bad input is a StrataError: exit 2 with the message.
 */
export async function backfillCommand(runtime: Runtime, args: BackfillArgs): Promise<number> {
  const [first, ...rest] = args.positionals;
  if (first !== undefined && SUBCOMMANDS.has(first)) return subcommand(runtime, first, rest, args.json);
  if (first === undefined || rest.length > 0) {
    throw new ValidationError(`backfill takes one selection, got: ${args.positionals.join(' ') || 'none'} (quote it or join terms with commas)`);
  }
  if (args.from === undefined || args.to === undefined) {
    throw new ValidationError(`backfill needs --from and --to (partition keys, both included)${args.from === undefined ? '; --from is missing' : ''}${args.to === undefined ? '; --to is missing' : ''}`);
  }
  const { backfill, runs } = await createBackfill(runtime, {
    selection: first,
    from: args.from,
    to: args.to,
    ...(args.chunk === undefined ? {} : { chunk: args.chunk }),
  });
  if (args.json) {
    print(JSON.stringify({ backfill, runIds: runs.map((run) => run.id) }, null, 2));
    return 0;
  }
  print(`backfill ${backfill.id}: ${runs.length} run(s) queued for ${backfill.partitionsTotal} ${backfill.partitionsKind} partition(s) ${backfill.partitionFrom} .. ${backfill.partitionTo}`);
  for (const run of runs) {
    if (run.partitionRange !== null) print(`one range run ${run.id} covers ${rangeLabel(run.partitionRange)} for ${run.selection} (single_run assets); any per-partition runs are queued once it succeeds`);
  }
  printSkipped(backfill);
  print(`progress: strata backfill show ${backfill.id}`);
  return 0;
}

async function subcommand(runtime: Runtime, name: string, rest: readonly string[], json: boolean): Promise<number> {
  if (name === 'list') {
    const backfills = await listBackfillDetails(runtime);
    if (json) print(JSON.stringify(backfills, null, 2));
    else print(formatTable(['backfill', 'status', 'selection', 'from', 'to', 'done', 'failed', 'pending', 'skipped'], backfills.map(row)));
    return 0;
  }
  const [id, ...extra] = rest;
  if (id === undefined || extra.length > 0) throw new ValidationError(`backfill ${name} takes one backfill id, got: ${rest.join(' ') || 'none'}`);
  const output =
    name === 'show'
      ? { backfill: await getBackfillDetail(runtime, id) }
      : name === 'cancel'
        ? await cancelBackfill(runtime, id)
        : await reexecuteFailedBackfill(runtime, id);
  if (json) {
    print(JSON.stringify(output, null, 2));
    return 0;
  }
  const { backfill } = output;
  print(formatTable(['backfill', 'status', 'selection', 'from', 'to', 'done', 'failed', 'pending', 'skipped'], [row(backfill)]));
  if ('canceledRuns' in output) print(`canceled ${output.canceledRuns.length} queued run(s); asked ${output.cancelRequestedRuns.length} running run(s) to cancel`);
  if ('runs' in output) print(`queued ${output.runs.length} run(s) for the failed partitions`);
  printSkipped(backfill);
  return 0;
}

function row(backfill: BackfillDetail): string[] {
  const { partitions } = backfill.progress;
  return [
    backfill.id,
    backfill.status,
    backfill.selection,
    backfill.partitionFrom,
    backfill.partitionTo,
    `${partitions.succeeded}/${partitions.total}`,
    String(partitions.failed),
    String(partitions.pending),
    String(partitions.skipped),
  ];
}

function printSkipped(backfill: BackfillDetail): void {
  if (backfill.skipped.length === 0) return;
  print(`skipped ${backfill.skipped.length} partition(s):`);
  for (const skip of backfill.skipped) print(`  ${skip.partition}  ${skip.reason}`);
}
