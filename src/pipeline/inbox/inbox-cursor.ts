/**
 * The csv_inbox sensor's cursor: what it saw of each file at its previous look (size, mtime,
 * inode) and, once the file held still, its SHA-256, so a file waiting for its run is not hashed
 * again at every look. A file is taken only when a look finds it as the previous one did: a
 * copy still writing changes size or mtime between two looks. The cursor is stored by Strata
 * with each evaluation, so the rule holds across daemon restarts and between daemons.
 */
import { z } from 'zod';
import type { FileState } from './inbox-files.js';

export interface SeenFile extends FileState {
  /** Set once the file held still and was hashed; dropped when it changes. */
  readonly sha256?: string;
}

export type InboxCursor = ReadonlyMap<string, SeenFile>;

const SeenFileSchema = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  ino: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
const CursorSchema = z.object({ version: z.literal(1), seen: z.record(z.string(), SeenFileSchema) });

/**
 * The cursor as stored; an absent or unreadable one is empty (every file then waits one more
 * look, which only delays it), with the problem returned for the evaluation's log.
 */
export function parseInboxCursor(text: string | undefined): { cursor: InboxCursor; problem?: string } {
  if (text === undefined) return { cursor: new Map() };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { cursor: new Map(), problem: 'the stored cursor is not JSON; starting from an empty one' };
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) return { cursor: new Map(), problem: `the stored cursor is not an inbox cursor (${parsed.error.issues[0]?.message ?? 'invalid'}); starting from an empty one` };
  return { cursor: new Map(Object.entries(parsed.data.seen)) };
}

/** Keys in path order, so an unchanged inbox stores the same text. */
export function formatInboxCursor(cursor: InboxCursor): string {
  const seen = Object.fromEntries([...cursor.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ version: 1, seen });
}
