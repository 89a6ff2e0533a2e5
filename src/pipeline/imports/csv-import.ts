/**
 * `strata import <file.csv> --source NAME`: a CSV of quotes into silver.market_quotes under
 * source NAME. Every line is checked against the unified schema; valid lines are merged (never
 * deleting: an import adds or corrects quotes), the others quarantined with their line and
 * reason, and the file is recorded in silver.imports, all in one transaction.
 *
 * Idempotent twice over: when the source's newest import is this very file (same name, same
 * SHA-256) nothing is written at all; otherwise the merge and the quarantine write only rows
 * that differ from the stored ones.
 *
 * Two steps, so the CLI reports a bad file or source name before it opens the database:
 * `prepareCsvImport` (read and validate) and `loadCsvImport` (one transaction).
 */
import type { StrataDatabase } from '../../index.js';
import { mergeQuotes, type QuoteToMerge } from '../quotes/merge-quotes.js';
import type { QuarantinedRow } from '../silver/market-rows.js';
import { parseHeader } from './csv-columns.js';
import { readCsvFile } from './csv-file.js';
import { validateRows } from './csv-rows.js';
import { checkImportSource } from './import-source.js';
import { replaceImportQuarantine, storedImportReasons } from './import-quarantine.js';

/** A file read and checked, before any database work: file and usage errors surface here. */
export interface PreparedImport {
  readonly source: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly quotes: readonly QuoteToMerge[];
  readonly quarantined: readonly QuarantinedRow[];
}

export async function prepareCsvImport(path: string, source: string): Promise<PreparedImport> {
  checkImportSource(source);
  const file = await readCsvFile(path);
  const { quotes, quarantined } = await validateRows(file, parseHeader(file.name, file.header.fields));
  return { source, fileName: file.name, sha256: file.sha256, quotes, quarantined };
}

export interface LoadImportOptions {
  /** When the import happens: silver.imports.imported_at. */
  readonly now: Date;
  /** How many quarantine reasons the result carries (default 5); 'all': every quarantined line's. */
  readonly reasons?: number | 'all';
}

export interface CsvImportResult {
  /** `already_imported`: the source's newest import is this file; nothing was written. */
  readonly status: 'imported' | 'already_imported';
  readonly source: string;
  readonly fileName: string;
  readonly sha256: string;
  /** Valid lines, loaded or already equal in silver. */
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly quarantined: number;
  /** The first quarantine reasons (as many as asked for), in line order. */
  readonly reasons: readonly string[];
  readonly importedAt: Date;
}

interface ImportRecord {
  file_sha256: string;
  file_name: string;
  rows: number;
  quarantined: number;
  imported_at: Date;
}

/** Imports of one source are serialised: the already-imported check and the writes must not interleave. */
const LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('strata import ' || $1, 0))";

const NEWEST_IMPORT = `SELECT file_sha256, file_name, rows, quarantined, imported_at FROM silver.imports
WHERE source = $1 ORDER BY imported_at DESC LIMIT 1`;

const RECORD_IMPORT = `INSERT INTO silver.imports (source, file_sha256, file_name, rows, quarantined, imported_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (source, file_sha256) DO UPDATE SET
  file_name = excluded.file_name, rows = excluded.rows, quarantined = excluded.quarantined, imported_at = excluded.imported_at`;

export async function loadCsvImport(database: StrataDatabase, prepared: PreparedImport, options: LoadImportOptions): Promise<CsvImportResult> {
  const { source, fileName, sha256, quotes, quarantined } = prepared;
  const reasonLimit = options.reasons === 'all' ? undefined : (options.reasons ?? 5);
  return database.withSession(async (session) => {
    await session.query(LOCK, [source]);
    const { rows: newest } = await session.query<ImportRecord>(NEWEST_IMPORT, [source]);
    const last = newest[0];
    if (last !== undefined && last.file_sha256 === sha256 && last.file_name === fileName) {
      return {
        status: 'already_imported',
        source,
        fileName,
        sha256,
        rows: last.rows,
        inserted: 0,
        updated: 0,
        unchanged: last.rows,
        quarantined: last.quarantined,
        reasons: await storedImportReasons(session, source, fileName, reasonLimit),
        importedAt: last.imported_at,
      };
    }
    const merged = await mergeQuotes(session, quotes, { source });
    await replaceImportQuarantine(session, source, fileName, quarantined);
    await session.query(RECORD_IMPORT, [source, sha256, fileName, quotes.length, quarantined.length, options.now]);
    return {
      status: 'imported',
      source,
      fileName,
      sha256,
      rows: quotes.length,
      inserted: merged.inserted,
      updated: merged.updated,
      unchanged: quotes.length - merged.inserted - merged.updated,
      quarantined: quarantined.length,
      reasons: quarantined.slice(0, reasonLimit).map((row) => row.reason),
      importedAt: options.now,
    };
  });
}
