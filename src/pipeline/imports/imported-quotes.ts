/**
 * silver/imported_quotes: one CSV file from the inbox into silver.market_quotes, exactly as
 * `strata import <file> --source <source>` loads it (csv-import.ts: same checks, quarantine,
 * silver.imports record, same "already imported" no-op). The file is the one the run's tags name
 * (inbox-tags.ts); the csv_inbox sensor requests one such run per file.
 *
 * A run without inbox tags (`strata materialize '*'`, the first start's run of the whole graph)
 * has no file to read: it succeeds and says so, instead of failing every whole-graph run. Its
 * materialization carries `file: null`, so it is told apart from an import at a glance.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { defineAsset, ValidationError } from '../../index.js';
import { INBOX_TAGS, inboxFileOfTags } from '../inbox/inbox-tags.js';
import { loadCsvImport, prepareCsvImport } from './csv-import.js';
import { importAssetKey } from './import-quarantine.js';

export const NOTHING_TO_IMPORT = "nothing to import: this run names no inbox file; runs of this asset come from the csv_inbox sensor (or a run tagged with the file's inbox/source, inbox/path and inbox/sha256)";

/** What a downstream asset would read: the file imported, or nulls for a run that imported none. */
export interface ImportedQuotesOutput {
  readonly source: string | null;
  readonly file: string | null;
  readonly sha256: string | null;
  readonly rows: number;
}

export const importedQuotes = defineAsset({
  key: 'silver/imported_quotes',
  layer: 'silver',
  group: 'imports',
  // A lost connection or a serialization failure is worth another go: the import is one
  // transaction and idempotent. A bad file is a ValidationError, never retried.
  retry: { maxRetries: 2 },
  description:
    'Quotes from CSV files dropped into the inbox (STRATA_DATA_DIR/inbox/<source>/), loaded into silver.market_quotes as `strata import` does: one run per file, requested by the csv_inbox sensor',
  async materialize(ctx): Promise<{ value: ImportedQuotesOutput; metadata: Record<string, string | number | null> }> {
    const file = inboxFileOfTags(ctx.run.tags);
    if (file === undefined) {
      ctx.log.info(NOTHING_TO_IMPORT);
      return { value: { source: null, file: null, sha256: null, rows: 0 }, metadata: { file: null, note: NOTHING_TO_IMPORT } };
    }
    const { database, settings } = ctx.resources;
    const prepared = await prepareCsvImport(inboxPath(settings.inboxDir, file.path), file.source);
    if (prepared.sha256 !== file.sha256) {
      throw new ValidationError(
        `inbox file ${file.path} changed after this run was requested: its bytes now hash to ${prepared.sha256}, the run is for ${file.sha256}; nothing was imported (the csv_inbox sensor requests a run for the new bytes once the file stops changing)`,
      );
    }
    const result = await loadCsvImport(database, prepared, { now: ctx.clock.now() });
    const where = `silver.quarantine, asset_key '${importAssetKey(file.source)}', partition_key '${result.fileName}'`;
    if (result.rows === 0) {
      throw new ValidationError(`nothing loaded from ${file.path}: all ${result.quarantined} lines were quarantined (first: ${result.reasons[0] ?? 'no reason stored'}); every reason is in ${where}`);
    }
    if (result.quarantined > 0) ctx.log.warn(`${result.quarantined} lines quarantined in ${where}`, { first_reason: result.reasons[0] });
    return {
      value: { source: file.source, file: file.path, sha256: file.sha256, rows: result.rows },
      metadata: {
        file: file.path,
        source: file.source,
        sha256: file.sha256,
        // `already_imported`: the source's newest import is this very file, so nothing was written (as `strata import` says).
        status: result.status,
        rows: result.rows,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        quarantined: result.quarantined,
      },
    };
  },
});

/** The tag's path under the inbox folder; one that leads outside it (`../`, absolute) is refused, so a tag cannot read any file on the worker. */
function inboxPath(inboxDir: string, path: string): string {
  const absolute = resolve(inboxDir, path);
  const inside = relative(inboxDir, absolute);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new ValidationError(`run tag ${INBOX_TAGS.path} ${JSON.stringify(path)} is not a file inside the inbox (${inboxDir})`);
  }
  return absolute;
}
