import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { Runtime } from '../runtime.js';
import { RUN_STATUSES, listRuns } from '../storage/index.js';
import { formatDuration, formatTable, print } from './output.js';

/** `strata runs [--json] [--limit N] [--status S]`: newest first. */
export async function runsCommand(runtime: Runtime, args: { json: boolean; limit: number; status: string | undefined }): Promise<number> {
  const status = args.status === undefined ? undefined : z.enum(RUN_STATUSES).safeParse(args.status.toUpperCase());
  if (status !== undefined && !status.success) {
    throw new ValidationError(`--status must be one of ${RUN_STATUSES.join(', ')}, got '${args.status}'`);
  }
  const page = await listRuns(runtime.database.db, { limit: args.limit, ...(status?.data ? { status: status.data } : {}) });
  if (args.json) {
    print(JSON.stringify(page.runs, null, 2));
    return 0;
  }
  print(
    formatTable(
      ['run', 'status', 'trigger', 'selection', 'partition', 'created', 'duration'],
      page.runs.map((run) => [
        run.id,
        run.status,
        run.trigger,
        run.selection,
        run.partitionKey ?? '-',
        run.createdAt.toISOString(),
        run.startedAt && run.endedAt ? formatDuration(run.endedAt.getTime() - run.startedAt.getTime()) : '',
      ]),
    ),
  );
  return 0;
}
