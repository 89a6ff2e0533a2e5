/**
 * The run tags that name one inbox file: what the csv_inbox sensor puts on the import run it
 * requests, and what silver/imported_quotes reads back (`ctx.run.tags`). The path is relative to
 * the inbox folder (`kraken/quotes.csv`), so the worker finds the file under its own
 * STRATA_DATA_DIR; the SHA-256 is of the bytes the sensor saw, so bytes changed since are refused.
 */
import { z } from 'zod';
import { ValidationError } from '../../index.js';

export const INBOX_TAGS = Object.freeze({ source: 'inbox/source', path: 'inbox/path', sha256: 'inbox/sha256' });

/** One inbox file as a run is about it. */
export interface InboxFileTags {
  readonly source: string;
  /** Relative to the inbox folder: `<source>/<file name>`. */
  readonly path: string;
  readonly sha256: string;
}

const TagsSchema = z.object({
  [INBOX_TAGS.source]: z.string({ error: 'missing' }).min(1, { error: 'empty' }),
  [INBOX_TAGS.path]: z.string({ error: 'missing' }).min(1, { error: 'empty' }),
  [INBOX_TAGS.sha256]: z.string({ error: 'missing' }).regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lower-case hex digits' }),
});

export function inboxTags(file: InboxFileTags): Record<string, string> {
  return { [INBOX_TAGS.source]: file.source, [INBOX_TAGS.path]: file.path, [INBOX_TAGS.sha256]: file.sha256 };
}

/**
 * The inbox file a run's tags name; undefined when they name none (a run of the whole graph).
 * Some of the tags without the others, or a malformed one, is a ValidationError naming each.
 */
export function inboxFileOfTags(tags: Readonly<Record<string, string>>): InboxFileTags | undefined {
  if (!Object.values(INBOX_TAGS).some((key) => key in tags)) return undefined;
  const parsed = TagsSchema.safeParse(tags);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw new ValidationError(`the run's inbox tags are incomplete or malformed (${problems.join('; ')}); the csv_inbox sensor sets ${Object.values(INBOX_TAGS).join(', ')}`);
  }
  return { source: parsed.data[INBOX_TAGS.source], path: parsed.data[INBOX_TAGS.path], sha256: parsed.data[INBOX_TAGS.sha256] };
}
