/**
 * A corrupted `/coins/markets` page, served by the fake as a scripted 200: rows that fail
 * validation land in silver.quarantine with a reason naming the field and the raw row kept, the
 * rest load, and silver + quarantine = bronze. Rows with zero or null divisors load with NULLs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from '../../src/core/executor.js';
import { JsonNumber, parseLosslessJson, stringifyLosslessJson, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { exact } from './exact-decimal.js';
import {
  bronzeDir,
  countQuarantine,
  countSilver,
  dumpGold,
  dumpQuarantine,
  dumpSilver,
  fixtureRows,
  pageBody,
  PARTITION,
  querySql,
  SNAPSHOT_AT,
  startPipeline,
  type Pipeline,
} from './pipeline-harness.js';

interface Corruption {
  readonly row: number;
  readonly coinId: string | null;
  /** Every fragment must appear in the reason. */
  readonly reason: readonly string[];
}

/** The recorded 250 rows with five broken ones and three edge-case ones; still 250 rows. */
function corruptedPage(): { body: string; rows: JsonObject[]; corruptions: Corruption[] } {
  const rows = fixtureRows();
  const at = (index: number) => rows[index] as JsonObject;
  const idOf = (index: number) => at(index)['id'] as string;

  at(10)['current_price'] = '12.5';
  at(20)['market_cap_rank'] = new JsonNumber('-7');
  at(21)['market_cap_rank'] = 'first';
  delete at(40)['total_volume'];
  // The last row repeats coin 5: the second occurrence is the one quarantined.
  rows[249] = { ...at(5) };
  // Valid rows whose derived columns have a zero or missing divisor.
  at(60)['market_cap'] = new JsonNumber('0');
  at(61)['market_cap'] = null;
  at(62)['low_24h'] = new JsonNumber('0');
  // The two 'unknown' coins get changes a double cannot hold: their median must still be exact.
  at(60)['price_change_percentage_24h'] = new JsonNumber('1.00000000000000000001');
  at(61)['price_change_percentage_24h'] = new JsonNumber('2.00000000000000000003');

  const corruptions: Corruption[] = [
    { row: 10, coinId: idOf(10), reason: ['current_price', 'string "12.5"'] },
    { row: 20, coinId: idOf(20), reason: ['market_cap_rank', '-7'] },
    { row: 21, coinId: idOf(21), reason: ['market_cap_rank', 'string "first"'] },
    { row: 40, coinId: idOf(40), reason: ['total_volume', 'missing'] },
    { row: 249, coinId: idOf(5), reason: ['duplicate', `'${idOf(5)}'`] },
  ];
  return { body: pageBody(rows), rows, corruptions };
}

describeEachBackend('quarantine of a corrupted markets page', (backend) => {
  const page = corruptedPage();
  let database: TestDatabase;
  let pipeline: Pipeline;
  let first: RunResult;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-quarantine', { backend });
    // 5 of 250 rows is 2%: above the default limit of the quarantine_ratio check (1%), which
    // would fail silver and skip gold; this test is about what is quarantined, not the limit.
    pipeline = await startPipeline(database, { env: { STRATA_MAX_QUARANTINE_PCT: '5' } });
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: page.body });
    first = (await pipeline.materialize(PARTITION)).result;
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('keeps the corrupted page in bronze as served and the run succeeds', async () => {
    expect(pipeline.fake.pendingScript).toBe(0);
    expect(first.status).toBe('SUCCESS');
    const stored = await readFile(join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), 'page-001.json'), 'utf8');
    expect(stored).toBe(page.body);
  });

  it('quarantines each bad row with a reason naming the field, and keeps the raw row', async () => {
    const quarantined = await dumpQuarantine(database, PARTITION);
    expect(quarantined.map((row) => [row['source_file'], row['source_row'], row['coin_id']])).toEqual(
      page.corruptions.map((c) => ['page-001.json', c.row, c.coinId]),
    );
    quarantined.forEach((row, i) => {
      const corruption = page.corruptions[i] as Corruption;
      for (const fragment of corruption.reason) expect([corruption.row, row['reason']]).toEqual([corruption.row, expect.stringContaining(fragment)]);
      expect([corruption.row, row['raw_row']]).toEqual([corruption.row, JSON.parse(stringifyLosslessJson(page.rows[corruption.row] as JsonObject))]);
    });
    // Numbers are kept with every digit: jsonb holds them as NUMERIC, so compare the text.
    const texts = await querySql<{ source_row: number; raw: string }>(
      database,
      "SELECT source_row, raw_row::text AS raw FROM silver.quarantine WHERE asset_key = 'silver/market_snapshots' AND partition_key = $1 ORDER BY source_row",
      [PARTITION],
    );
    for (const { source_row: index, raw } of texts) {
      expect([index, numbersOf(parseLosslessJson(raw) as JsonObject)]).toEqual([index, numbersOf(page.rows[index] as JsonObject)]);
    }
    const [priceRow] = quarantined;
    expect(priceRow?.['raw_row']).toMatchObject({ current_price: '12.5' });
    expect(quarantined[3]?.['raw_row']).not.toHaveProperty('total_volume');
  });

  it('loads the other rows: silver + quarantine = the 250 bronze rows', async () => {
    const manifest = JSON.parse(await readFile(join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), '_manifest.json'), 'utf8'));
    const silver = await countSilver(database, SNAPSHOT_AT);
    const quarantined = await countQuarantine(database, PARTITION);
    expect(manifest.rows).toBe(250);
    expect([silver, quarantined, silver + quarantined]).toEqual([245, 5, manifest.rows]);

    const silverRows = await dumpSilver(database, SNAPSHOT_AT);
    const silverIds = new Set(silverRows.map((row) => row['coin_id']));
    for (const c of page.corruptions.slice(0, 4)) expect([c.coinId, silverIds.has(c.coinId)]).toEqual([c.coinId, false]);
    // The first occurrence of the duplicated coin is the one in silver.
    const duplicate = page.corruptions[4] as Corruption;
    expect(silverRows.find((row) => row['coin_id'] === duplicate.coinId)).toMatchObject({ source_file: 'page-001.json', source_row: 5 });
  });

  it('gives zero or null divisors NULL derived values and the unknown category', async () => {
    const silverRows = await dumpSilver(database, SNAPSHOT_AT);
    const byId = (index: number) => silverRows.find((row) => row['coin_id'] === page.rows[index]?.['id']);
    expect(byId(60)).toMatchObject({ market_cap: '0', market_cap_category: 'unknown', volume_to_mcap_ratio: null });
    expect(byId(61)).toMatchObject({ market_cap: null, market_cap_category: 'unknown', volume_to_mcap_ratio: null });
    expect(byId(62)).toMatchObject({ low_24h: '0', price_volatility_24h: null });
    expect(byId(62)?.['volume_to_mcap_ratio']).not.toBeNull();

    const { segments } = await dumpGold(database, SNAPSHOT_AT);
    const unknown = segments.find((row) => row['market_cap_category'] === 'unknown');
    expect(unknown).toMatchObject({ coin_count: 2 });
    expect(exact(String(unknown?.['median_price_change_24h']))).toBe('1.50000000000000000002');
    expect(exact(String(unknown?.['avg_price_change_24h']))).toBe('1.50000000000000000002');
    expect(segments.reduce((n, row) => n + (row['coin_count'] as number), 0)).toBe(245);
  });

  it('replaces, never appends, the quarantine when the partition is materialized again', async () => {
    const before = { quarantine: await dumpQuarantine(database, PARTITION), silver: await dumpSilver(database, SNAPSHOT_AT) };
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: page.body });
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    expect(pipeline.fake.pendingScript).toBe(0);
    expect(await dumpQuarantine(database, PARTITION)).toEqual(before.quarantine);
    expect(await dumpSilver(database, SNAPSHOT_AT)).toEqual(before.silver);
  });

  it('empties the quarantine when a clean page replaces the corrupted one', async () => {
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    expect([await countSilver(database, SNAPSHOT_AT), await countQuarantine(database, PARTITION)]).toEqual([250, 0]);
  });
});

/** Every top-level number of a row, as canonical exact decimal text. */
function numbersOf(row: JsonObject): Record<string, string> {
  return Object.fromEntries(Object.entries(row).flatMap(([key, value]) => (value instanceof JsonNumber ? [[key, exact(value.source)]] : [])));
}
