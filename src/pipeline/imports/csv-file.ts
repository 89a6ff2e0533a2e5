/**
 * An import CSV read from disk: its bytes' SHA-256 (what makes a re-import of the same file a
 * no-op), its text (UTF-8, checked), and its records with the physical line each starts on, so
 * messages point at the line an editor shows even when a quoted field spans several lines.
 *
 * Problems with the file as a whole (missing, empty, not UTF-8, broken quoting) are a
 * ValidationError naming the file and, where there is one, the line: nothing is loaded.
 *
 * The text is parsed a slice at a time, yielding to the event loop in between: a worker parsing
 * a 150,000-line file in one go held its loop for ~9 s on a loaded machine, its heartbeats
 * stopped, and the run monitor failed the run as if the worker were dead.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvError, parse, type Options } from 'csv-parse';
import { ValidationError } from '../../index.js';

export interface CsvRecord {
  /** 1-based physical line the record starts on (the header is line 1). */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvFile {
  /** The base name: what lineage columns and messages show. */
  readonly name: string;
  readonly sha256: string;
  readonly header: CsvRecord;
  readonly records: readonly CsvRecord[];
}

/** Characters parsed between two turns of the event loop (~10 ms of work). */
const SLICE_CHARS = 256 * 1024;

export async function readCsvFile(path: string): Promise<CsvFile> {
  const name = basename(path);
  const bytes = await readBytes(path);
  const text = decodeUtf8(name, bytes);
  if (text.trim() === '') throw new ValidationError(`${name} is empty: expected a header line, then one line per quote`);
  const [header, ...records] = await parseRecords(name, text);
  if (header === undefined) throw new ValidationError(`${name} is empty: expected a header line, then one line per quote`);
  if (records.length === 0) throw new ValidationError(`${name} has a header but no data lines`);
  return { name, sha256: createHash('sha256').update(bytes).digest('hex'), header, records };
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new ValidationError(`cannot read ${path}: ${why}`, { cause: error });
  }
}

/** Multi-byte UTF-8 sequences never contain a newline byte, so the file can be checked line by line. */
function decodeUtf8(name: string, bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    let line = 1;
    let start = 0;
    for (let end = bytes.indexOf(0x0a); ; end = bytes.indexOf(0x0a, start)) {
      if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) break;
      if (end === -1) break;
      line++;
      start = end + 1;
    }
    throw new ValidationError(`${name} is not UTF-8 text: line ${line} holds bytes that are not valid UTF-8 (save the file as UTF-8)`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new ValidationError(`${name} is not a text file: a NUL byte on line ${lineAt(bytes, nul)}`);
  const text = bytes.toString('utf8');
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/**
 * csv-parse's `lines` is the line a record ends on; the line breaks inside it (quoted fields)
 * give the line it starts on. Blank lines are skipped here, not by csv-parse, whose `raw` would
 * then begin with them and shift that arithmetic.
 */
async function parseRecords(name: string, text: string): Promise<CsvRecord[]> {
  let lastLine = 0;
  const records: CsvRecord[] = [];
  const options: Options<CsvRecord, { record: string[]; raw: string }> = {
    raw: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n'],
    // The returned value replaces the record; null drops it.
    on_record: ({ record, raw }, context) => {
      lastLine = context.lines;
      if (raw.trim() === '') return null;
      const breaks = raw.split('\n').length - 1 - (raw.endsWith('\n') ? 1 : 0);
      return { line: context.lines - breaks, fields: record };
    },
  };
  // The stream overloads type records as string[][]; on_record makes them CsvRecord (as the sync parse did).
  const parser = parse(options as unknown as Options);
  parser.on('data', (record: CsvRecord) => records.push(record));
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  // Keep a rejection seen before the await below from counting as unhandled.
  ended.catch(() => undefined);
  try {
    // Slices end after a newline, which is never inside a multi-byte character.
    for (let start = 0; start < text.length && !parser.destroyed; ) {
      const newline = text.indexOf('\n', start + SLICE_CHARS);
      const end = newline === -1 ? text.length : newline + 1;
      parser.write(text.slice(start, end));
      start = end;
      await nextTurn();
    }
    parser.end();
    await ended;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const where = error.code === 'CSV_QUOTE_NOT_CLOSED' ? `a quote opened on line ${lastLine + 1} or later is never closed` : error.message;
    throw new ValidationError(`${name} is not valid CSV: ${where}`, { cause: error });
  }
  return records;
}
