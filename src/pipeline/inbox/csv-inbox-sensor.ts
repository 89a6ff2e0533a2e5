/**
 * The csv_inbox sensor: a CSV file dropped into `inbox/<source>/` is imported under that source
 * by one run of silver/imported_quotes, then moved to `<source>/processed/` (run succeeded) or
 * `<source>/failed/` with `<name>.error.txt` (run failed or canceled).
 *
 * - A file is taken only when a look finds it unchanged since the previous one (size, mtime,
 *   inode, kept in the cursor) and under its final name (inbox-files.ts): a copy in progress
 *   is not read half-written.
 * - The run key is the file's SHA-256, so the same bytes make one run whatever their name, across
 *   restarts and daemons; bytes whose run succeeded go straight to processed/.
 * - The file stays in the inbox until its run has ended for good (a run whose worker was lost is
 *   retried by the run monitor: ctx.runForKey says so, and follows to the retry), and every move is an atomic rename that
 *   the next look redoes if a crash interrupted it (inbox-moves.ts): a daemon killed at any
 *   point loses no file, and the run key keeps it from being imported twice.
 * - A file in a folder that is not a source name goes to failed/ with the reason: never ignored.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defineSensor, type SensorContext, type SensorDefinition, type SensorResult, type SensorRun, type SensorRunRequest } from '../../index.js';
import { importedQuotes } from '../imports/imported-quotes.js';
import { importSourceProblem } from '../imports/import-source.js';
import { formatInboxCursor, parseInboxCursor, type SeenFile } from './inbox-cursor.js';
import { listInbox, sameState, sha256OfFile, type InboxEntry } from './inbox-files.js';
import { moveToFailed, moveToProcessed, type FailureNote } from './inbox-moves.js';
import { inboxTags, INBOX_TAGS } from './inbox-tags.js';

export const CSV_INBOX_SENSOR = 'csv_inbox';

/** At most this many files are described in one skip reason. */
const MAX_NOTES = 10;

export interface CsvInboxOptions {
  /** STRATA_DATA_DIR/inbox; created at the first evaluation. */
  readonly inboxDir: string;
  readonly intervalSeconds: number;
  /** The run's page in the web UI, written into `<name>.error.txt`. */
  readonly runPageUrl: (runId: string) => string;
}

export function defineCsvInboxSensor(options: CsvInboxOptions): SensorDefinition {
  return defineSensor({
    name: CSV_INBOX_SENSOR,
    description: `Imports CSV files dropped into ${options.inboxDir}/<source>/ (one ${importedQuotes.key} run per file, keyed by its SHA-256), then moves each to processed/ or failed/`,
    minimumIntervalSeconds: options.intervalSeconds,
    evaluate: (ctx) => evaluateInbox(ctx, options),
  });
}

/** One look at the inbox, per file: still changing → wait; new bytes → request a run; run ended → move the file. */
async function evaluateInbox(ctx: SensorContext, options: CsvInboxOptions): Promise<SensorResult> {
  await mkdir(options.inboxDir, { recursive: true });
  const { cursor: previous, problem } = parseInboxCursor(ctx.cursor);
  if (problem !== undefined) ctx.log.warn(problem);
  const listing = await listInbox(options.inboxDir);
  const seen = new Map<string, SeenFile>();
  const notes: string[] = listing.strays.map((name) => `${name} is not in a source folder (inbox/<source>/${name}); left alone`);
  const runRequests: SensorRunRequest[] = [];
  // Bytes requested in this look, so two identical new files make one run.
  const requestedNow = new Map<string, string>();

  for (const file of listing.files) {
    const before = previous.get(file.path);
    if (ctx.signal.aborted) {
      if (before !== undefined) seen.set(file.path, before);
      continue;
    }
    if (file.kind === 'temporary') {
      notes.push(`${file.path}: a temporary name, taken once renamed to .csv`);
      continue;
    }
    if (file.kind === 'other') {
      notes.push(`${file.path}: not a .csv file; left alone`);
      continue;
    }
    if (before === undefined || !sameState(before, file.state)) {
      seen.set(file.path, file.state);
      notes.push(
        before === undefined
          ? `${file.path}: new (${bytes(file.state.size)}), taken at the next look if unchanged`
          : `${file.path} still being written (size ${before.size.toLocaleString('en-US')} → ${file.state.size.toLocaleString('en-US')})`,
      );
      continue;
    }
    try {
      const sha256 = before.sha256 ?? (await sha256OfFile(join(options.inboxDir, file.path)));
      const outcome = await decide(ctx, options, file, sha256, requestedNow);
      if (outcome.request !== undefined) {
        runRequests.push(outcome.request);
        requestedNow.set(sha256, file.path);
      }
      if (outcome.keep) seen.set(file.path, { ...file.state, sha256 });
      if (outcome.note !== undefined) notes.push(outcome.note);
    } catch (error) {
      // One file that cannot be read or moved must not hold up the others; the next look tries again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.error(`${file.path}: ${message}`);
      notes.push(`${file.path}: ${message}`);
      seen.set(file.path, before);
    }
  }

  const cursor = formatInboxCursor(seen);
  if (runRequests.length > 0) return { runRequests, cursor };
  return { skipReason: describeNotes(notes), cursor };
}

interface Outcome {
  readonly request?: SensorRunRequest;
  /** False once the file has left the inbox. */
  readonly keep: boolean;
  readonly note?: string;
}

async function decide(ctx: SensorContext, options: CsvInboxOptions, file: InboxEntry, sha256: string, requestedNow: ReadonlyMap<string, string>): Promise<Outcome> {
  const ref = { inboxDir: options.inboxDir, source: file.source, name: file.name, sha256 };
  const fail = async (note: FailureNote): Promise<Outcome> => {
    const to = await moveToFailed(ref, note);
    const text = `${file.path} → ${to ?? 'gone meanwhile'}: ${note.summary}`;
    ctx.log.warn(text);
    return { keep: false, note: text };
  };

  const sourceProblem = importSourceProblem(file.source);
  if (sourceProblem !== undefined) {
    const summary = `its folder "${file.source}" is not a source name: ${sourceProblem}`;
    return fail({ summary, runId: undefined, runPage: undefined, error: `${summary}. Put the file in inbox/<source>/, where <source> is the name its quotes are stored under.` });
  }
  const twin = requestedNow.get(sha256);
  if (twin !== undefined) return { keep: true, note: `${file.path}: the same bytes as ${twin}, waits for its run` };

  const run = await ctx.runForKey(sha256);
  if (run === undefined) {
    ctx.log.info(`${file.path}: requested its import (${bytes(file.state.size)}, sha256 ${sha256})`);
    const request: SensorRunRequest = { selection: importedQuotes.key, runKey: sha256, tags: inboxTags({ source: file.source, path: file.path, sha256 }) };
    return { keep: true, request };
  }
  const runFile = run.tags[INBOX_TAGS.path];
  const other = runFile !== undefined && runFile !== file.path ? ` (the same bytes, dropped as ${runFile})` : '';
  const runNote = (summary: string): FailureNote => ({ summary, runId: run.id, runPage: options.runPageUrl(run.id), error: run.error ?? '(the run recorded no error)' });
  switch (run.status) {
    case 'QUEUED':
    case 'STARTING':
    case 'STARTED':
      return { keep: true, note: `${file.path}: import run ${run.id} is ${run.status.toLowerCase()}${other}` };
    case 'SUCCESS': {
      const importedAs = run.tags[INBOX_TAGS.source];
      if (importedAs !== undefined && importedAs !== file.source) {
        // The run key is the bytes alone: quotes imported under one source are not imported again under another by the inbox.
        return fail({
          ...runNote(`the same bytes were imported under source '${importedAs}' by run ${run.id}${other}`),
          error: `one run per file's bytes (run key = sha256), and these bytes' run imported them under '${importedAs}'. To store them under '${file.source}' as well: strata import <file> --source ${file.source}`,
        });
      }
      const to = await moveToProcessed(ref);
      const text = `${file.path} → ${to ?? 'gone meanwhile'}: imported by run ${run.id}${other}`;
      ctx.log.info(text);
      return { keep: false, note: text };
    }
    case 'CANCELED':
      return fail(runNote(`its import run ${run.id} was canceled${other}`));
    case 'FAILURE':
      return failedRun(run, file, other, () => fail(runNote(`its import run ${run.id} failed${other}`)));
  }
}

/** A failure is final unless the run monitor is about to retry it (its worker was lost): the retry needs the file. */
async function failedRun(run: SensorRun, file: InboxEntry, other: string, fail: () => Promise<Outcome>): Promise<Outcome> {
  if (!run.retryPending) return fail();
  return { keep: true, note: `${file.path}: import run ${run.id} lost its worker${other}; waits for its retry` };
}

function describeNotes(notes: readonly string[]): string {
  if (notes.length === 0) return 'inbox empty';
  const more = notes.length - MAX_NOTES;
  return more > 0 ? `${notes.slice(0, MAX_NOTES).join('; ')}; … and ${more} more` : notes.join('; ');
}

/** `1,234 bytes`: the size as the skip reason shows it. */
function bytes(size: number): string {
  return `${size.toLocaleString('en-US')} byte${size === 1 ? '' : 's'}`;
}
