/**
 * `strata import <file.csv> --source NAME [--json]`: loads a CSV of quotes into
 * silver.market_quotes (see src/pipeline/imports/csv-import.ts). Exit 0 when rows are in silver
 * (quarantined lines are reported, not fatal), 1 when no line was valid, 2 for bad usage or a
 * file that cannot be read as an import CSV (thrown as ValidationError before the database opens).
 */
import { ValidationError } from '../core/errors.js';
import { loadCsvImport, prepareCsvImport, type CsvImportResult, type PreparedImport } from '../pipeline/imports/csv-import.js';
import { importAssetKey } from '../pipeline/imports/import-quarantine.js';
import type { Runtime } from '../runtime.js';
import { print } from './output.js';

/** Reads and validates the file; nothing touches the database yet. */
export async function prepareImportArgs(args: { positionals: readonly string[]; source: string | undefined }): Promise<PreparedImport> {
  const [path, ...extra] = args.positionals;
  if (path === undefined) throw new ValidationError('import needs a file: strata import <file.csv> --source NAME');
  if (extra.length > 0) throw new ValidationError(`import takes one file, got: ${args.positionals.join(' ')}`);
  if (args.source === undefined) throw new ValidationError('import needs --source NAME: the source the quotes are stored under (e.g. --source kraken)');
  return prepareCsvImport(path, args.source);
}

/** What `strata import --json` prints: stable field names for scripts. */
export function importJson(result: CsvImportResult): Record<string, unknown> {
  return { ...result, importedAt: result.importedAt.toISOString() };
}

/** How many quarantined lines the text output lists; `--json` lists every one. */
const TEXT_REASONS = 5;

export async function importCommand(runtime: Runtime, prepared: PreparedImport, options: { json: boolean }): Promise<number> {
  const result = await loadCsvImport(runtime.database, prepared, { now: runtime.clock.now(), reasons: options.json ? 'all' : TEXT_REASONS });
  const code = result.rows === 0 ? 1 : 0;
  if (code !== 0) process.stderr.write(`strata: nothing loaded from ${result.fileName}: every line was quarantined\n`);
  if (options.json) {
    print(JSON.stringify(importJson(result), null, 2));
    return code;
  }
  const quarantined = `${result.quarantined} line${result.quarantined === 1 ? '' : 's'} quarantined`;
  if (result.status === 'already_imported') {
    print(`${result.fileName}: already imported on ${result.importedAt.toISOString()}: nothing changed (${result.rows} rows, ${quarantined})`);
  } else {
    const counts = `${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged`;
    print(`imported ${result.fileName} into source '${result.source}': ${result.rows} rows (${counts}), ${quarantined}`);
  }
  if (result.reasons.length > 0) {
    const where = `silver.quarantine, asset_key '${importAssetKey(result.source)}', partition_key '${result.fileName}'`;
    const more = result.quarantined - result.reasons.length;
    print(`quarantined in ${where}${more > 0 ? ` (first ${result.reasons.length})` : ''}:`);
    for (const reason of result.reasons) print(`  ${reason}`);
    if (more > 0) {
      // Importing the same file again changes nothing, so --json is a safe way to list them.
      print(`  … and ${more} more line${more === 1 ? '' : 's'}: all of them with --json (the same import again changes nothing) or in ${where}`);
    }
  }
  return code;
}
