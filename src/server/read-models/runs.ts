/**
 * Read models of runs, shared by the JSON API and the HTML UI:
 *
 * - `listRunsPage(runtime, filter)`: newest first, filtered by status, asset, trigger and
 *   created time, keyset-paginated (`nextCursor`).
 * - `runDetail(runtime, runId)`: the run, its steps and the newest page of its events.
 * - `runEventsPage(runtime, runId, page)`: a page of events `after` an id (oldest first, to
 *   follow a run) or `before` one (to read further back).
 *
 * Events are read through `events_run_id_idx (run_id, id)` with a limit, so a run with 10,000
 * events costs one page. Throws RunNotFoundError for an unknown run.
 */
import type { RunStatus, RunTrigger } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { toStoredEvent } from '../../storage/event-log.js';
import { RunNotFoundError, getRun, listRuns, stepsForRun, type Run, type RunPage, type Step, type StoredEvent } from '../../storage/index.js';

export interface RunListFilter {
  /** Any of these statuses; empty or undefined: all. */
  readonly statuses?: readonly RunStatus[];
  /** Runs that selected this asset. */
  readonly assetKey?: string;
  readonly trigger?: RunTrigger;
  /** Created at or after. */
  readonly from?: Date;
  /** Created before. */
  readonly to?: Date;
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export function listRunsPage(runtime: Runtime, filter: RunListFilter = {}): Promise<RunPage> {
  return listRuns(runtime.database.db, {
    ...(filter.statuses !== undefined && filter.statuses.length > 0 ? { status: filter.statuses } : {}),
    ...(filter.assetKey !== undefined ? { assetKey: filter.assetKey } : {}),
    ...(filter.trigger !== undefined ? { trigger: filter.trigger } : {}),
    ...(filter.from !== undefined ? { from: filter.from } : {}),
    ...(filter.to !== undefined ? { to: filter.to } : {}),
    ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
    ...(filter.cursor !== undefined ? { before: filter.cursor } : {}),
  });
}

/** Newest events shown with a run; older ones are read with `runEventsPage({ before })`. */
export const RUN_EVENTS_PAGE = 500;
export const MAX_EVENTS_PAGE = 1000;

export interface EventsPageRequest {
  /** Events with a larger id, oldest first (following a run). */
  readonly after?: number;
  /** Events with a smaller id: the newest of them, returned oldest first (reading back). */
  readonly before?: number;
  /** Default RUN_EVENTS_PAGE, at most MAX_EVENTS_PAGE. */
  readonly limit?: number;
}

export interface EventsPage {
  /** Oldest first. */
  readonly events: readonly StoredEvent[];
  /** There are older events than the first one here: pass its id as `before`. */
  readonly hasOlder: boolean;
  /** There may be newer events than the last one here: pass its id as `after`. */
  readonly hasNewer: boolean;
}

export interface RunDetail {
  readonly run: Run;
  readonly steps: readonly Step[];
  /** The newest RUN_EVENTS_PAGE events, oldest first. */
  readonly events: EventsPage;
}

export async function requireRun(runtime: Runtime, runId: string): Promise<Run> {
  const run = await getRun(runtime.database.db, runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  return run;
}

export async function runDetail(runtime: Runtime, runId: string): Promise<RunDetail> {
  const run = await requireRun(runtime, runId);
  const [steps, events] = await Promise.all([stepsForRun(runtime.database.db, runId), readEvents(runtime, runId, {})]);
  return { run, steps, events };
}

/** Throws RunNotFoundError. */
export async function runEventsPage(runtime: Runtime, runId: string, page: EventsPageRequest): Promise<EventsPage> {
  await requireRun(runtime, runId);
  return readEvents(runtime, runId, page);
}

/** Without `after`: the newest page (before `before`, if given). One row more than asked says whether more exist. */
async function readEvents(runtime: Runtime, runId: string, page: EventsPageRequest): Promise<EventsPage> {
  const limit = Math.min(Math.max(page.limit ?? RUN_EVENTS_PAGE, 1), MAX_EVENTS_PAGE);
  const forward = page.after !== undefined;
  let query = runtime.database.db
    .selectFrom('strata.events')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('id', forward ? 'asc' : 'desc')
    .limit(limit + 1);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  const rows = await query.execute();
  const more = rows.length > limit;
  const events = rows.slice(0, limit).map(toStoredEvent);
  if (forward) return { events, hasOlder: page.after !== undefined && page.after > 0, hasNewer: more };
  return { events: events.reverse(), hasOlder: more, hasNewer: page.before !== undefined };
}
