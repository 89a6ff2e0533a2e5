/**
 * What is in the inbox: one folder per source (`inbox/<source>/`), files in it. A name that a
 * copy, a download or an editor uses while the file is still being written is not a file to
 * take: dot files (rsync's `.q.csv.Xa3f`), `*.tmp`, `*.part`, `*.crdownload`, `*~`. Only
 * `*.csv` is taken; anything else is reported and left alone.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Where each source's finished files go; never sources, never taken from. */
export const PROCESSED_FOLDER = 'processed';
export const FAILED_FOLDER = 'failed';

export type FileKind = 'csv' | 'temporary' | 'other';

const TEMPORARY = [/^\./, /\.tmp$/i, /\.part$/i, /\.crdownload$/i, /~$/];

export function fileKind(name: string): FileKind {
  if (TEMPORARY.some((pattern) => pattern.test(name))) return 'temporary';
  return /\.csv$/i.test(name) ? 'csv' : 'other';
}

/** A regular file's identity at one look: a change in any of these means it is still being written (or was replaced). */
export interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export interface InboxEntry {
  readonly source: string;
  readonly name: string;
  /** `<source>/<name>`: the file's path relative to the inbox, as tags, cursor and messages show it. */
  readonly path: string;
  readonly kind: FileKind;
  readonly state: FileState;
}

export interface InboxListing {
  /** Source folders, in name order (empty ones too). */
  readonly sources: readonly string[];
  /** Files in source folders, by source then name. */
  readonly files: readonly InboxEntry[];
  /** Files directly in the inbox, outside any source folder. */
  readonly strays: readonly string[];
}

export async function listInbox(inboxDir: string): Promise<InboxListing> {
  const sources: string[] = [];
  const strays: string[] = [];
  for (const entry of await readdir(inboxDir, { withFileTypes: true })) {
    if (entry.isDirectory()) sources.push(entry.name);
    else if (entry.isFile() && fileKind(entry.name) !== 'temporary') strays.push(entry.name);
  }
  sources.sort();
  const files: InboxEntry[] = [];
  for (const source of sources) {
    const names = await readdirIfThere(join(inboxDir, source));
    for (const name of names.sort()) {
      const state = await fileState(join(inboxDir, source, name));
      if (state !== undefined) files.push({ source, name, path: `${source}/${name}`, kind: fileKind(name), state });
    }
  }
  return { sources, files, strays: strays.sort() };
}

/** A folder removed between two calls is an empty one. */
async function readdirIfThere(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** undefined for what is not a regular file (processed/, failed/, other folders) or is gone already. */
async function fileState(path: string): Promise<FileState | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function sameState(a: FileState, b: FileState): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** Streamed, so a large file is never held in memory by the daemon. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
