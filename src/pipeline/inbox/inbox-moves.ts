/**
 * Moving a file out of the inbox once it is done with: into `<source>/processed/`, or into
 * `<source>/failed/` with `<name>.error.txt` beside it. Each move is one rename within the inbox
 * (one filesystem, so it is atomic: the file is in one place or the other, never half-copied or
 * in both) and never overwrites: a name already taken gets a suffix (`q-2.csv`).
 *
 * Idempotent across a crash at any point: a file still in the inbox is moved by the next look.
 * The error note is written (to a temp name, then renamed) before the file moves, so a file in
 * failed/ always has its note; a crash between the two leaves a note naming the file's SHA-256,
 * which the retried move recognises as its own and reuses instead of choosing another name.
 *
 * Check-then-rename is enough: only the csv_inbox sensor writes these folders, and Strata never
 * evaluates one sensor twice at once.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FAILED_FOLDER, PROCESSED_FOLDER } from './inbox-files.js';

export interface InboxFileRef {
  readonly inboxDir: string;
  readonly source: string;
  readonly name: string;
  readonly sha256: string;
}

/** Returns the path it moved to, relative to the inbox (`kraken/processed/q.csv`); undefined when the file was already gone. */
export async function moveToProcessed(file: InboxFileRef): Promise<string | undefined> {
  const folder = join(file.inboxDir, file.source, PROCESSED_FOLDER);
  await mkdir(folder, { recursive: true });
  for (const candidate of candidateNames(file.name)) {
    if (await exists(join(folder, candidate))) continue;
    return (await moveIfThere(file, join(folder, candidate))) ? `${file.source}/${PROCESSED_FOLDER}/${candidate}` : undefined;
  }
  throw new Error('unreachable: candidate names are endless');
}

/** What `<name>.error.txt` says besides the file and its SHA-256. */
export interface FailureNote {
  /** One line: why the file was not imported. */
  readonly summary: string;
  readonly runId: string | undefined;
  readonly runPage: string | undefined;
  readonly error: string;
}

export async function moveToFailed(file: InboxFileRef, note: FailureNote): Promise<string | undefined> {
  const folder = join(file.inboxDir, file.source, FAILED_FOLDER);
  await mkdir(folder, { recursive: true });
  const text = noteText(file, note);
  for (const candidate of candidateNames(file.name)) {
    const target = join(folder, candidate);
    const notePath = `${target}.error.txt`;
    if (await exists(target)) continue;
    if ((await exists(notePath)) && !(await isOwnNote(notePath, file))) continue;
    const temporary = join(folder, `.${candidate}.error.txt.tmp`);
    await writeFile(temporary, text);
    await rename(temporary, notePath);
    if (await moveIfThere(file, target)) return `${file.source}/${FAILED_FOLDER}/${candidate}`;
    // The file went meanwhile (moved or deleted by someone else): a note without its file would mislead.
    await rm(notePath, { force: true });
    return undefined;
  }
  throw new Error('unreachable: candidate names are endless');
}

function noteText(file: InboxFileRef, note: FailureNote): string {
  return [
    `${file.source}/${file.name} was not imported: ${note.summary}`,
    '',
    `file: ${file.source}/${file.name}`,
    `sha256: ${file.sha256}`,
    `run: ${note.runId ?? 'none'}`,
    ...(note.runPage === undefined ? [] : [`run page: ${note.runPage}`]),
    '',
    'error:',
    note.error,
    '',
  ].join('\n');
}

/** A note a crashed move left: it names this very file and bytes. */
async function isOwnNote(notePath: string, file: InboxFileRef): Promise<boolean> {
  const text = await readFile(notePath, 'utf8').catch(() => '');
  return text.includes(`\nfile: ${file.source}/${file.name}\nsha256: ${file.sha256}\n`);
}

/** `q.csv`, `q-2.csv`, `q-3.csv`, … */
function* candidateNames(name: string): Generator<string> {
  yield name;
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let n = 2; ; n++) yield `${stem}-${n}${extension}`;
}

async function moveIfThere(file: InboxFileRef, target: string): Promise<boolean> {
  try {
    await rename(join(file.inboxDir, file.source, file.name), target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
