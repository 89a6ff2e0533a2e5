/**
 * SQL-file assets: every `*.sql` file under the given folders (subfolders included) is one
 * asset, declared by its header (parse-sql-header.ts) and materialized into `<layer>.<name>`
 * (sql-table.ts).
 *
 * Every problem is a SqlAssetError naming the file and line (`sql/top_movers.sql:2: unknown
 * dep 'silver/nope'`); files are taken in path order, so the same folder always reports the
 * same first error.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AnyAsset } from '../../core/asset.js';
import { DefinitionError } from '../../core/errors.js';
import { type SqlHeader, parseSqlHeader } from './parse-sql-header.js';
import { defineSqlAsset } from './sql-asset.js';
import { SqlAssetError } from './sql-asset-error.js';
import { orderSqlAssets } from './sql-asset-order.js';
import { resolvePartitions } from './sql-asset-partitions.js';
import { type SqlTemplate, parseSqlTemplate } from './sql-template.js';

/** Files read per turn of the event loop (see readAll). */
const READ_CHUNK = 256;

interface Templates {
  readonly query: SqlTemplate;
  readonly checks: readonly SqlTemplate[];
}

/**
 * Reads every `*.sql` file under `dirs` and defines its asset. Deps resolve against
 * `codeAssets` and the other SQL assets (in dependency order); returns the SQL assets only,
 * in file order, for the caller to put in one graph with the code assets.
 *
 * @example
 * const sqlAssets = await loadSqlAssets(['sql/assets'], pipelineAssets());
 * const graph = buildGraph([...pipelineAssets(), ...sqlAssets]);
 */
export async function loadSqlAssets(dirs: readonly string[], codeAssets: readonly AnyAsset[]): Promise<AnyAsset[]> {
  const files = await listSqlFiles(dirs);
  const texts = await readAll(files);
  const headers = files.map((file, index) => parseSqlHeader(file, texts[index] as string));
  assertUniqueKeys(headers, codeAssets);
  const templates = new Map(headers.map((header) => [header.key, parseTemplates(header)]));
  const defined = new Map(codeAssets.map((asset) => [asset.key, asset]));
  for (const header of orderSqlAssets(headers, new Set(defined.keys()))) {
    const { deps, partitions } = resolvePartitions(
      header,
      header.deps.map((dep) => defined.get(dep.key) as AnyAsset),
    );
    const { query, checks } = templates.get(header.key) as Templates;
    if (partitions === undefined) assertNoPartitionPlaceholders(header, [query, ...checks]);
    try {
      defined.set(header.key, defineSqlAsset({ header, query, checks, deps, partitions }));
    } catch (error) {
      if (error instanceof DefinitionError && !(error instanceof SqlAssetError)) throw new SqlAssetError(header.file, header.keyLine, error.message);
      throw error;
    }
  }
  return headers.map((header) => defined.get(header.key) as AnyAsset);
}

async function listSqlFiles(dirs: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const dir of dirs) {
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new DefinitionError(`SQL asset folder '${dir}' does not exist or is not a folder`);
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.sql')) continue;
      const file = join(entry.parentPath, entry.name);
      // Nested folders given twice (`sql`, `sql/gold`) must not define a file twice.
      const absolute = resolve(file);
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      files.push(file);
    }
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads the files synchronously, a chunk per turn of the event loop. Measured on 5,000 small
 * files in the page cache (bench/sql-assets.ts' shape, loaded 2-core machine): readFileSync
 * 85-105 ms, callback fs.readFile 64 at a time 220-450 ms, fs.promises.readFile 64 at a time
 * 330-920 ms: for files this small the thread pool's round trips (open, stat, read, close)
 * cost more than the reads. Yielding between chunks keeps a daemon that reloads responsive.
 */
async function readAll(files: readonly string[]): Promise<string[]> {
  const texts: string[] = [];
  for (let start = 0; start < files.length; start += READ_CHUNK) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const file of files.slice(start, start + READ_CHUNK)) texts.push(readFileSync(file, 'utf8'));
  }
  return texts;
}

function assertUniqueKeys(headers: readonly SqlHeader[], codeAssets: readonly AnyAsset[]): void {
  const codeKeys = new Set(codeAssets.map((asset) => asset.key));
  const first = new Map<string, SqlHeader>();
  for (const header of headers) {
    if (codeKeys.has(header.key)) throw new SqlAssetError(header.file, header.keyLine, `asset '${header.key}' is already defined in code`);
    const other = first.get(header.key);
    if (other !== undefined) {
      throw new SqlAssetError(header.file, header.keyLine, `asset '${header.key}' is also defined in ${other.file}:${other.keyLine}`);
    }
    first.set(header.key, header);
  }
}

function parseTemplates(header: SqlHeader): Templates {
  return {
    query: parseSqlTemplate({ file: header.file, text: header.body, firstLine: header.bodyLine, allowThis: false }),
    checks: header.checks.map((check) => parseSqlTemplate({ file: header.file, text: check.query, firstLine: check.line, allowThis: true })),
  };
}

function assertNoPartitionPlaceholders(header: SqlHeader, templates: readonly SqlTemplate[]): void {
  for (const template of templates) {
    for (const [name, line] of template.partitionPlaceholders) {
      throw new SqlAssetError(header.file, line, `{{ ${name} }} in an unpartitioned asset: it has no partition (its deps are unpartitioned, or '-- partitions: none')`);
    }
  }
}
