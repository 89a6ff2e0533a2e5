/**
 * `strata import`: a CSV of quotes into silver.market_quotes. Good files load exactly (decimals as
 * text, instants canonical); bad lines are quarantined with their physical line and a reason
 * naming the column, also when quoted fields span lines; a repeated import writes nothing (no
 * row's xmin moves); a changed file updates what changed; Strata's own source names and broken
 * files are refused before anything is written. The CLI runs as a real process for exit codes.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { prepareImportArgs } from '../../src/cli/import-command.js';
import { ValidationError } from '../../src/core/errors.js';
import { loadCsvImport, prepareCsvImport, type CsvImportResult } from '../../src/pipeline/imports/csv-import.js';
import { PIPELINE_MIGRATIONS_DIR, PIPELINE_MIGRATION_TABLE } from '../../src/pipeline/sql-files.js';
import { sqlFileMigrationProvider } from '../../src/storage/index.js';
import { runStrata } from '../helpers/strata-process.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'imports');
const fixture = (name: string) => join(FIXTURES, name);
const NOW = new Date('2026-12-01T12:00:00Z');
const HEADER = 'coin_id,snapshot_at,symbol,name,price_usd';

async function importFile(database: TestDatabase, path: string, source = 'kraken', now = NOW): Promise<CsvImportResult> {
  return loadCsvImport(database, await prepareCsvImport(path, source), { now, reasons: 20 });
}

async function query<R>(database: TestDatabase, text: string, parameters: unknown[] = []): Promise<R[]> {
  return database.withSession(async (session) => (await session.query<R>(text, parameters)).rows);
}

interface QuoteRow {
  source_coin_id: string;
  coin_id: string | null;
  snapshot_at: string;
  symbol: string;
  name: string;
  price_usd: string | null;
  market_cap_usd: string | null;
  market_cap_rank: number | null;
  max_supply: string | null;
  price_change_percentage_24h: string | null;
  last_updated: string | null;
  source_file: string;
  source_row: number;
  xmin: string;
}

/** Every stored column that matters plus xmin, which changes whenever a row is written. */
function dumpQuotes(database: TestDatabase, source = 'kraken'): Promise<QuoteRow[]> {
  return query<QuoteRow>(
    database,
    `SELECT source_coin_id, coin_id, to_char(snapshot_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS snapshot_at, symbol, name,
            price_usd::text, market_cap_usd::text, market_cap_rank, max_supply::text, price_change_percentage_24h::text,
            to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_updated, source_file, source_row, xmin::text
     FROM silver.market_quotes WHERE source = $1 ORDER BY source_row, source_coin_id`,
    [source],
  );
}

interface QuarantineRow {
  partition_key: string;
  coin_id: string | null;
  reason: string;
  raw_row: unknown;
  source_file: string;
  source_row: number;
  xmin: string;
}

function dumpQuarantine(database: TestDatabase, source = 'kraken'): Promise<QuarantineRow[]> {
  return query<QuarantineRow>(
    database,
    `SELECT partition_key, coin_id, reason, raw_row, source_file, source_row, xmin::text FROM silver.quarantine
     WHERE asset_key = $1 ORDER BY partition_key, source_row`,
    [`import/${source}`],
  );
}

function dumpImports(database: TestDatabase): Promise<unknown[]> {
  return query(database, 'SELECT source, file_sha256, file_name, rows, quarantined, imported_at, xmin::text FROM silver.imports ORDER BY source, imported_at');
}

async function expectValidationError(work: () => Promise<unknown>, message: string | RegExp): Promise<void> {
  const error = await work().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ValidationError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

describe('import files refused before the database', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-import-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, content: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('names a missing file, an empty one, a header without lines, and bytes that are not UTF-8 (with their line)', async () => {
    await expectValidationError(() => prepareCsvImport(join(dir, 'nope.csv'), 'kraken'), `cannot read ${join(dir, 'nope.csv')}: no such file`);
    await expectValidationError(async () => prepareCsvImport(await file('empty.csv', ''), 'kraken'), 'empty.csv is empty: expected a header line, then one line per quote');
    await expectValidationError(async () => prepareCsvImport(await file('header.csv', `${HEADER}\n\n`), 'kraken'), 'header.csv has a header but no data lines');
    const latin1 = Buffer.concat([Buffer.from(`${HEADER}\nbitcoin,2026-11-23,btc,Bitcoin,1\nbitcoin,2026-11-24,btc,Bitc`), Buffer.from([0xf6]), Buffer.from('in,2\n')]);
    await expectValidationError(
      async () => prepareCsvImport(await file('latin1.csv', latin1), 'kraken'),
      'latin1.csv is not UTF-8 text: line 3 holds bytes that are not valid UTF-8 (save the file as UTF-8)',
    );
    await expectValidationError(async () => prepareCsvImport(dir, 'kraken'), `cannot read ${dir}: it is a directory`);
  });

  it('names the header problem and lists the expected columns: unknown (case-sensitive), missing, repeated', async () => {
    const expected = 'expected columns: coin_id, snapshot_at, symbol, name, price_usd (required); market_cap_usd, total_volume_usd, market_cap_rank, circulating_supply, total_supply, max_supply, price_change_percentage_24h, last_updated (optional)';
    await expectValidationError(
      async () => prepareCsvImport(await file('unknown.csv', 'coin_id,snapshot_at,symbol,name,Price_USD\nbitcoin,2026-11-23,btc,Bitcoin,1\n'), 'kraken'),
      `unknown.csv line 1: unknown column "Price_USD" (names are case-sensitive); ${expected}`,
    );
    await expectValidationError(
      async () => prepareCsvImport(await file('missing.csv', 'coin_id,snapshot_at,symbol,market_cap_usd\nbitcoin,2026-11-23,btc,1\n'), 'kraken'),
      `missing.csv line 1: missing required columns name, price_usd; ${expected}`,
    );
    await expectValidationError(
      async () => prepareCsvImport(await file('twice.csv', `${HEADER},symbol\nbitcoin,2026-11-23,btc,Bitcoin,1,btc\n`), 'kraken'),
      `twice.csv line 1: column "symbol" appears twice; ${expected}`,
    );
  });

  it('refuses broken quoting as a whole file, naming where the open quote is', async () => {
    await expectValidationError(
      async () => prepareCsvImport(await file('open.csv', `${HEADER}\nbitcoin,2026-11-23,btc,Bitcoin,1\n"ethereum,2026-11-23,eth,Ether,2\nx,2026-11-23,x,X,3\n`), 'kraken'),
      'open.csv is not valid CSV: a quote opened on line 3 or later is never closed',
    );
    await expectValidationError(async () => prepareCsvImport(await file('closing.csv', `${HEADER}\n"bitcoin"x,2026-11-23,btc,Bitcoin,1\n`), 'kraken'), /^closing\.csv is not valid CSV: .*line 2/);
  });

  it("refuses Strata's own sources and names that are not lower snake case, before reading the file", async () => {
    await expectValidationError(() => prepareCsvImport(fixture('good.csv'), 'coingecko'), "--source coingecko: 'coingecko' is fed by Strata's own assets; import under another name (e.g. coingecko_csv)");
    await expectValidationError(() => prepareCsvImport(fixture('good.csv'), 'coinpaprika'), /^--source coinpaprika: 'coinpaprika' is fed by Strata's own assets/);
    for (const name of ['Kraken', 'my-exchange', '1source', '', 'a'.repeat(41)]) {
      await expectValidationError(() => prepareCsvImport(join(dir, 'nope.csv'), name), /a source name is lower snake case/);
    }
  });
});

describeEachBackend('strata import', (backend) => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase('csv-import', {
      backend,
      migrations: [{ provider: sqlFileMigrationProvider(PIPELINE_MIGRATIONS_DIR), tableName: PIPELINE_MIGRATION_TABLE }],
    });
    dir = await mkdtemp(join(tmpdir(), 'strata-import-'));
  });

  afterAll(async () => {
    await database?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await query(database, "DELETE FROM silver.market_quotes WHERE source <> 'coingecko'");
    await query(database, "DELETE FROM silver.quarantine WHERE asset_key LIKE 'import/%'");
    await query(database, 'DELETE FROM silver.imports');
  });

  it('loads a good file exactly: decimals as text, instants in UTC, symbols lower case, lines as lineage', async () => {
    const result = await importFile(database, fixture('good.csv'));
    expect(result).toMatchObject({ status: 'imported', source: 'kraken', fileName: 'good.csv', rows: 5, inserted: 5, updated: 0, unchanged: 0, quarantined: 0, reasons: [] });
    const rows = await dumpQuotes(database);
    expect(rows.map(({ xmin: _, ...row }) => row)).toEqual([
      { source_coin_id: 'bitcoin', coin_id: 'bitcoin', snapshot_at: '2026-11-23T06:00:00.000000Z', symbol: 'btc', name: 'Bitcoin', price_usd: '97123.45', market_cap_usd: '1923456789012.5', market_cap_rank: 1, max_supply: '21000000', price_change_percentage_24h: '-1.25', last_updated: '2026-11-23T05:59:31.123000Z', source_file: 'good.csv', source_row: 2 },
      { source_coin_id: 'ethereum', coin_id: 'ethereum', snapshot_at: '2026-11-23T06:00:00.000000Z', symbol: 'eth', name: 'Ethereum', price_usd: '3456.7', market_cap_usd: '416543210987', market_cap_rank: 2, max_supply: null, price_change_percentage_24h: '0.25', last_updated: '2026-11-23T05:59:40.000000Z', source_file: 'good.csv', source_row: 3 },
      { source_coin_id: 'tether', coin_id: 'tether', snapshot_at: '2026-11-23T06:00:00.000000Z', symbol: 'usdt', name: 'Tether', price_usd: '1.0001', market_cap_usd: '120000000000', market_cap_rank: 3, max_supply: null, price_change_percentage_24h: '-0.000060', last_updated: null, source_file: 'good.csv', source_row: 4 },
      { source_coin_id: 'usd-coin', coin_id: 'usd-coin', snapshot_at: '2026-11-23T06:00:00.000000Z', symbol: 'usdc', name: 'USDC', price_usd: '0.99987', market_cap_usd: '40000000000', market_cap_rank: 6, max_supply: null, price_change_percentage_24h: '0', last_updated: '2026-11-23T05:58:00.000000Z', source_file: 'good.csv', source_row: 5 },
      { source_coin_id: 'bitcoin', coin_id: 'bitcoin', snapshot_at: '2026-11-24T00:00:00.000000Z', symbol: 'btc', name: 'Bitcoin', price_usd: '98000.123456789012345678', market_cap_usd: null, market_cap_rank: 1, max_supply: null, price_change_percentage_24h: null, last_updated: null, source_file: 'good.csv', source_row: 6 },
    ]);
    const sha256 = createHash('sha256').update(await readFile(fixture('good.csv'))).digest('hex');
    expect(await query(database, 'SELECT source, file_sha256, file_name, rows, quarantined, imported_at FROM silver.imports')).toEqual([
      { source: 'kraken', file_sha256: sha256, file_name: 'good.csv', rows: 5, quarantined: 0, imported_at: NOW },
    ]);
    expect(await dumpQuarantine(database)).toEqual([]);
  });

  it('quarantines each bad line with its line number and a reason naming the column; the valid lines load', async () => {
    const result = await importFile(database, fixture('bad-lines.csv'));
    const reasons = [
      'line 3: price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "12,5"',
      'line 4: name: required, got an empty field',
      'line 5: snapshot_at: expected an ISO 8601 time with Z or an offset (2026-11-23T06:00:00Z) or a date (2026-11-23), got "2026-11-23 06:00"',
      'line 6: expected 6 fields (as in the header), got 5',
      'line 7: duplicate of line 2: coin_id "bitcoin" at snapshot_at 2026-11-23T06:00:00Z appears twice',
      'line 8: market_cap_usd: exponent out of range (at most ±1000), got "1e999999"',
      'line 9: snapshot_at: not a real date and time: "2026-02-30T06:00:00Z"',
      'line 10: market_cap_usd: expected a decimal number like 1234.5 or 1.2e-7, got "1.234.567"',
    ];
    expect(result).toMatchObject({ status: 'imported', rows: 2, inserted: 2, quarantined: 8, reasons });
    expect((await dumpQuotes(database)).map((row) => [row.source_coin_id, row.source_row, row.symbol])).toEqual([
      ['bitcoin', 2, 'btc'],
      ['litecoin', 11, 'ltc'],
    ]);
    const quarantined = await dumpQuarantine(database);
    expect(quarantined.map((row) => [row.source_row, row.coin_id, row.reason, row.source_file, row.partition_key])).toEqual(
      reasons.map((reason, index) => [index + 3, ['ethereum', 'tether', 'solana', 'ripple', 'bitcoin', 'dogecoin', 'cardano', 'tron'][index], reason, 'bad-lines.csv', 'bad-lines.csv']),
    );
    expect(quarantined[0]?.raw_row).toEqual({ coin_id: 'ethereum', snapshot_at: '2026-11-23T06:00:00Z', symbol: 'eth', name: 'Ethereum', price_usd: '12,5', market_cap_usd: '' });
    expect(quarantined[3]?.raw_row).toEqual(['ripple', '2026-11-23T06:00:00Z', 'xrp', 'XRP', '2.1']);
  });

  it('names every bad column of a line, and checks each optional column', async () => {
    const path = join(dir, 'columns.csv');
    await writeFile(
      path,
      'coin_id,snapshot_at,symbol,name,price_usd,market_cap_rank,total_supply,price_change_percentage_24h,last_updated\n' +
        'Bitcoin,2026-11-23T06:00,b t c, Bitcoin,-1,0,-5,+1,2026-11-23T06:00:00.1234567Z\n' +
        'bitcoin,2026-11-23T06:00:00+15:00,btc,Bitcoin,1,2.0,1e3,-12.5,2026-11-23T06:00:00-03:30\n',
    );
    const result = await importFile(database, path);
    expect(result.reasons).toEqual([
      'line 2: coin_id: expected a CoinGecko-style id (lower case, no spaces, like "usd-coin"), got "Bitcoin"; ' +
        'snapshot_at: has no time zone: add Z or an offset like +00:00, got "2026-11-23T06:00"; ' +
        'symbol: expected a symbol without spaces, got "b t c"; name: has leading or trailing spaces: " Bitcoin"; ' +
        'price_usd: must not be negative, got "-1"; market_cap_rank: expected a whole number from 1 to 2147483647, got "0"; ' +
        'total_supply: must not be negative, got "-5"; price_change_percentage_24h: expected a decimal number like 1234.5 or 1.2e-7, got "+1"; ' +
        'last_updated: fractions of a second go to microseconds (6 digits), got "2026-11-23T06:00:00.1234567Z"',
      'line 3: snapshot_at: offset beyond ±14:00 in "2026-11-23T06:00:00+15:00"; market_cap_rank: expected a whole number from 1 to 2147483647, got "2.0"',
    ]);
    expect(result.rows).toBe(0);
  });

  it('keeps physical line numbers when quoted fields hold commas, quotes and line breaks; CRLF files load', async () => {
    const result = await importFile(database, fixture('quoted.csv'));
    expect(result.reasons).toEqual(['line 8: name: has leading or trailing spaces: "Solana\\n"; price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "abc"']);
    expect((await dumpQuotes(database)).map((row) => [row.source_row, row.source_coin_id, row.name])).toEqual([
      [2, 'bitcoin', 'Bitcoin, the original'],
      [3, 'wrapped-bitcoin', 'Wrapped\nBitcoin\n(multi-line)'],
      [7, 'the-open-network', 'Toncoin "TON"'],
    ]);
    await importFile(database, fixture('crlf.csv'), 'crlf_source');
    expect((await dumpQuotes(database, 'crlf_source')).map((row) => [row.source_row, row.name, row.price_usd])).toEqual([[2, 'Bitcoin', '97123.45']]);
  });

  it('imports the same file twice: the second says already imported and writes nothing', async () => {
    await importFile(database, fixture('bad-lines.csv'));
    const before = { quotes: await dumpQuotes(database), quarantine: await dumpQuarantine(database), imports: await dumpImports(database) };
    const again = await importFile(database, fixture('bad-lines.csv'), 'kraken', new Date('2026-12-02T00:00:00Z'));
    expect(again).toMatchObject({ status: 'already_imported', rows: 2, inserted: 0, updated: 0, unchanged: 2, quarantined: 8, importedAt: NOW });
    expect(again.reasons[0]).toBe('line 3: price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "12,5"');
    expect({ quotes: await dumpQuotes(database), quarantine: await dumpQuarantine(database), imports: await dumpImports(database) }).toEqual(before);
  });

  it('without the already-imported short-cut, equal rows are still not rewritten (xmin unchanged)', async () => {
    await importFile(database, fixture('bad-lines.csv'));
    const before = { quotes: await dumpQuotes(database), quarantine: await dumpQuarantine(database) };
    await query(database, 'DELETE FROM silver.imports');
    const again = await importFile(database, fixture('bad-lines.csv'));
    expect(again).toMatchObject({ status: 'imported', rows: 2, inserted: 0, updated: 0, unchanged: 2, quarantined: 8 });
    expect({ quotes: await dumpQuotes(database), quarantine: await dumpQuarantine(database) }).toEqual(before);
  });

  it('re-imports a changed file: changed rows updated, new ones inserted, its quarantine replaced; the old version again is not skipped', async () => {
    const path = join(dir, 'prices.csv');
    const v1 = `${HEADER}\nbitcoin,2026-11-23,BTC,Bitcoin,97000\nethereum,2026-11-23,ETH,Ethereum,3400\nsolana,2026-11-23,SOL,Solana,oops\n`;
    const v2 = `${HEADER}\nbitcoin,2026-11-23,BTC,Bitcoin,97000.0\nethereum,2026-11-23,ETH,Ethereum,3500\nsolana,2026-11-23,SOL,Solana,180\ntether,2026-11-23,USDT,Tether,1.0\nripple,2026-11-23,XRP,XRP,\n`;
    await writeFile(path, v1);
    expect(await importFile(database, path)).toMatchObject({ status: 'imported', rows: 2, inserted: 2, updated: 0, quarantined: 1 });
    await writeFile(path, v2);
    const changed = await importFile(database, path, 'kraken', new Date('2026-12-02T00:00:00Z'));
    // 97000 = 97000.0 as NUMERIC: bitcoin is unchanged; ethereum's price changed.
    expect(changed).toMatchObject({ status: 'imported', rows: 4, inserted: 2, updated: 1, unchanged: 1, quarantined: 1, reasons: ['line 6: price_usd: required, got an empty field'] });
    expect((await dumpQuotes(database)).map((row) => [row.source_coin_id, row.price_usd])).toEqual([
      ['bitcoin', '97000'],
      ['ethereum', '3500'],
      ['solana', '180'],
      ['tether', '1.0'],
    ]);
    expect((await dumpQuarantine(database)).map((row) => row.reason)).toEqual(['line 6: price_usd: required, got an empty field']);
    expect(await query(database, 'SELECT file_name, rows, quarantined FROM silver.imports ORDER BY imported_at')).toEqual([
      { file_name: 'prices.csv', rows: 2, quarantined: 1 },
      { file_name: 'prices.csv', rows: 4, quarantined: 1 },
    ]);

    // v1 again: not the newest import, so it is loaded again (imports never delete: v2's extra rows stay).
    await writeFile(path, v1);
    const back = await importFile(database, path, 'kraken', new Date('2026-12-03T00:00:00Z'));
    expect(back).toMatchObject({ status: 'imported', rows: 2, inserted: 0, updated: 1, unchanged: 1, quarantined: 1 });
    expect((await dumpQuotes(database)).find((row) => row.source_coin_id === 'ethereum')?.price_usd).toBe('3400');
    expect((await dumpQuarantine(database)).map((row) => row.reason)).toEqual(['line 4: price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "oops"']);
  });

  it('leaves other sources alone: coingecko rows and another import source are untouched', async () => {
    await importFile(database, fixture('good.csv'), 'kraken');
    await importFile(database, fixture('good.csv'), 'bitstamp');
    expect((await dumpQuotes(database, 'bitstamp')).length).toBe(5);
    expect((await dumpQuotes(database, 'kraken')).length).toBe(5);
    expect(await query(database, 'SELECT source, rows FROM silver.imports ORDER BY source')).toEqual([
      { source: 'bitstamp', rows: 5 },
      { source: 'kraken', rows: 5 },
    ]);
  });
});

describeEachBackend('strata import (CLI process)', (backend) => {
  let dataDir: string;
  let env: Record<string, string>;
  let postgres: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-import-cli-'));
    env = { STRATA_DATA_DIR: dataDir };
    if (backend === 'postgres') {
      postgres = await createTestDatabase('import-cli', { backend: 'postgres' });
      env['DATABASE_URL'] = postgres.url ?? '';
    } else {
      await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    }
  });

  afterAll(async () => {
    await postgres?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Each process loads the whole CLI under tsx: seconds apiece on a busy machine.
  it('exit 0 with quarantined lines reported, then "already imported" on the same file', { timeout: 180_000 }, async () => {
    const first = await runStrata(['import', fixture('bad-lines.csv'), '--source', 'kraken'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        "imported bad-lines.csv into source 'kraken': 2 rows (2 inserted, 0 updated, 0 unchanged), 8 lines quarantined",
        "quarantined in silver.quarantine, asset_key 'import/kraken', partition_key 'bad-lines.csv' (first 5):",
        '  line 3: price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "12,5"',
        '  line 4: name: required, got an empty field',
        '  line 5: snapshot_at: expected an ISO 8601 time with Z or an offset (2026-11-23T06:00:00Z) or a date (2026-11-23), got "2026-11-23 06:00"',
        '  line 6: expected 6 fields (as in the header), got 5',
        '  line 7: duplicate of line 2: coin_id "bitcoin" at snapshot_at 2026-11-23T06:00:00Z appears twice',
        "  … and 3 more lines: all of them with --json (the same import again changes nothing) or in silver.quarantine, asset_key 'import/kraken', partition_key 'bad-lines.csv'",
        '',
      ].join('\n'),
    );
    const second = await runStrata(['import', fixture('bad-lines.csv'), '--source', 'kraken'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^bad-lines\.csv: already imported on \d{4}-\d{2}-\d{2}T[\d:.]+Z: nothing changed \(2 rows, 8 lines quarantined\)\n/);
    expect(second.stdout).toContain('… and 3 more lines');
  });

  it('--json lists every quarantined line, on the first import and on the same file again', { timeout: 180_000 }, async () => {
    const many = join(dataDir, 'many-bad.csv');
    const bad = Array.from({ length: 12 }, (_, index) => `coin-${index},2026-11-23T06:00:00Z,c${index},Coin ${index},not-a-price`);
    await writeFile(many, `${HEADER}\nbitcoin,2026-11-23T06:00:00Z,btc,Bitcoin,97000\n${bad.join('\n')}\n`);
    const expected = bad.map((_, index) => `line ${index + 3}: price_usd: expected a decimal number like 1234.5 or 1.2e-7, got "not-a-price"`);
    for (const attempt of ['imported', 'already_imported']) {
      const result = await runStrata(['import', many, '--source', 'bitstamp', '--json'], env);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { status: string; quarantined: number; reasons: string[] };
      expect(json).toMatchObject({ status: attempt, quarantined: 12 });
      expect(json.reasons).toEqual(expected);
    }
  });

  it('exit 1 when no line is valid, with --json for scripts', { timeout: 180_000 }, async () => {
    const allBad = join(dataDir, 'all-bad.csv');
    await writeFile(allBad, `${HEADER}\nbitcoin,yesterday,btc,Bitcoin,1\n`);
    const result = await runStrata(['import', allBad, '--source', 'kraken', '--json'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('strata: nothing loaded from all-bad.csv: every line was quarantined\n');
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 'imported', source: 'kraken', fileName: 'all-bad.csv', rows: 0, inserted: 0, quarantined: 1 });
    expect(json['reasons']).toEqual([expect.stringMatching(/^line 2: snapshot_at: expected an ISO 8601 time/)]);
    expect(json['importedAt']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('strata import usage', () => {
  it('names what is missing or refused, before the database opens', async () => {
    const args = (positionals: string[], source?: string) => prepareImportArgs({ positionals, source });
    await expectValidationError(() => args([fixture('good.csv')]), 'import needs --source NAME: the source the quotes are stored under (e.g. --source kraken)');
    await expectValidationError(() => args([], 'kraken'), 'import needs a file: strata import <file.csv> --source NAME');
    await expectValidationError(() => args(['a.csv', 'b.csv'], 'kraken'), 'import takes one file, got: a.csv b.csv');
    expect((await args([fixture('good.csv')], 'kraken')).quotes).toHaveLength(5);
  });

  it('exits 2 with the message and no stack trace (a real process, no database)', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-import-usage-'));
    try {
      const result = await runStrata(['import', fixture('good.csv'), '--source', 'coingecko'], { STRATA_DATA_DIR: dataDir });
      expect(result).toEqual({ code: 2, stdout: '', stderr: "strata: --source coingecko: 'coingecko' is fed by Strata's own assets; import under another name (e.g. coingecko_csv)\n" });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
