/**
 * Reprocessing from bronze alone: three six-hourly partitions and their day are materialized end
 * to end, silver and gold are dumped (every column as text, in primary-key order), the fake
 * CoinGecko is stopped, and `strata materialize silver/* --from … --to …` then `gold/*` rebuild
 * the same bytes, including a silver price corrupted in between. A database of its own: the
 * dumps cover every coin, and gold's history windows read every stored snapshot.
 */
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { materializeCommand } from '../../src/cli/materialize-command.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, fixtureRows, pageBody, querySql, snapshotAt, startPipeline, type Pipeline } from './pipeline-harness.js';

const PARTITIONS = ['2025-02-09T00:00Z', '2025-02-09T06:00Z', '2025-02-09T12:00Z'] as const;
const FROM = PARTITIONS[0];
const TO = PARTITIONS[2];
const DAY = '2025-02-09';
const SNAPSHOTS = PARTITIONS.map((key) => `'${snapshotAt(key)}'`).join(', ');
const KEYS = PARTITIONS.map((key) => `'${key}'`).join(', ');

type Row = Record<string, string | null>;

/** Every column of the table as text, in the order given (the primary key), except `without`. */
async function dumpTable(database: TestDatabase, table: string, where: string, orderBy: string, without: readonly string[] = []): Promise<Row[]> {
  const [schema, name] = table.split('.') as [string, string];
  const columns = await querySql<{ column_name: string }>(
    database,
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [schema, name],
  );
  const kept = columns.map((column) => column.column_name).filter((column) => !without.includes(column));
  expect(kept.length).toBeGreaterThan(2);
  const list = kept.map((column) => `"${column}"::text AS "${column}"`).join(', ');
  return querySql<Row>(database, `SELECT ${list} FROM ${table} WHERE ${where} ORDER BY ${orderBy}`);
}

/** Silver and gold of the three partitions and their day. */
async function dumpAll(database: TestDatabase): Promise<Record<string, Row[]>> {
  return {
    market_snapshots: await dumpTable(database, 'silver.market_snapshots', `snapshot_at IN (${SNAPSHOTS})`, 'coin_id, snapshot_at'),
    global_snapshots: await dumpTable(database, 'silver.global_snapshots', `snapshot_at IN (${SNAPSHOTS})`, 'snapshot_at'),
    coins: await dumpTable(database, 'silver.coins', 'true', 'coin_id'),
    // The serial id and the insert time say when a row was quarantined, not what was: a
    // reprocessed partition's quarantine is replaced, so they are new by design.
    quarantine: await dumpTable(database, 'silver.quarantine', `partition_key IN (${KEYS})`, 'asset_key, partition_key, source_file, source_row', [
      'id',
      'quarantined_at',
    ]),
    crypto_analytics_mart: await dumpTable(database, 'gold.crypto_analytics_mart', `snapshot_at IN (${SNAPSHOTS})`, 'snapshot_at, coin_id'),
    market_segment_analysis: await dumpTable(database, 'gold.market_segment_analysis', `snapshot_at IN (${SNAPSHOTS})`, 'snapshot_at, market_cap_category'),
    daily_coin_summary: await dumpTable(database, 'gold.daily_coin_summary', `day = '${DAY}'`, 'day, coin_id'),
  };
}

/** `strata materialize <selection> --from --to`, in this process; what it printed and its exit code. */
async function materializeRange(pipeline: Pipeline, selection: string, from: string, to: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await materializeCommand(pipeline.runtime, { selection, partition: undefined, from, to, progress: false });
    return { code, stdout };
  } finally {
    write.mockRestore();
  }
}

describeEachBackend('reprocessing a partition range from bronze', (backend) => {
  let database: TestDatabase;
  let fake: RunningFakeCoinGecko;
  let pipeline: Pipeline;
  let firstTime: Record<string, Row[]>;
  let firstJson: string;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-reprocess', { backend });
    fake = await startFakeCoinGecko();
    pipeline = await startPipeline(database, { sharedFake: fake });
    for (const partition of PARTITIONS) {
      if (partition === PARTITIONS[1]) {
        // One partition with a quarantined row, so the quarantine dump holds something.
        const rows = fixtureRows();
        (rows[10] as JsonObject)['current_price'] = '12.5';
        (rows[11] as JsonObject)['total_volume'] = new JsonNumber('12345678901234567890.123456789012345678');
        fake.script({ path: '/coins/markets', status: 200, body: pageBody(rows) });
      }
      const { result } = await pipeline.materialize(partition);
      expect([partition, result.status]).toEqual([partition, 'SUCCESS']);
    }
    const { result } = await pipeline.materialize(DAY, 'gold/*');
    expect([DAY, result.status]).toEqual([DAY, 'SUCCESS']);
    firstTime = await dumpAll(database);
    firstJson = JSON.stringify(firstTime);
    // Nothing can be fetched from here on: every rebuild reads the stored bronze files.
    await fake.close();
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('dumps every table of the range with rows in it', () => {
    const counts = Object.fromEntries(Object.entries(firstTime).map(([table, rows]) => [table, rows.length]));
    expect(counts).toEqual({
      market_snapshots: 3 * 250 - 1,
      global_snapshots: 3,
      coins: 250,
      quarantine: 1,
      // The quarantined coin is in the top 50.
      crypto_analytics_mart: 3 * 50 - 1,
      market_segment_analysis: 3 * 4,
      daily_coin_summary: 250,
    });
    expect(firstTime['quarantine']?.[0]?.['reason']).toMatch(/current_price/);
  });

  it('rebuilds silver then gold from bronze alone, byte for byte, restoring a corrupted silver price', async () => {
    const corrupted = snapshotAt(PARTITIONS[1]);
    await querySql(database, `UPDATE silver.market_snapshots SET current_price = current_price + 1 WHERE coin_id = 'bitcoin' AND snapshot_at = $1`, [corrupted]);
    await querySql(database, `DELETE FROM silver.quarantine WHERE partition_key = $1`, [PARTITIONS[1]]);
    expect(JSON.stringify(await dumpAll(database))).not.toBe(firstJson);

    const silver = await materializeRange(pipeline, 'silver/*', FROM, TO);
    expect(silver.code).toBe(0);
    expect(silver.stdout).toMatch(/^materialize silver\/\*: 3 six_hourly partition\(s\) 2025-02-09T00:00Z \.\. 2025-02-09T12:00Z$/m);
    // silver/imported_quotes is unpartitioned, so in each partition's run: without inbox tags it imports nothing.
    for (const partition of PARTITIONS) {
      expect(silver.stdout).toMatch(new RegExp(`^run \\S+  selection silver/global_snapshots,silver/imported_quotes,silver/market_snapshots  partition ${partition}  SUCCESS$`, 'm'));
    }
    expect(silver.stdout.trimEnd().split('\n').at(-1)).toBe('3 partition(s): 3 succeeded, 0 failed, 0 skipped');

    const gold = await materializeRange(pipeline, 'gold/*', FROM, TO);
    expect([gold.code, gold.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, '3 partition(s): 3 succeeded, 0 failed, 0 skipped']);
    const daily = await materializeRange(pipeline, 'gold/*', DAY, DAY);
    expect([daily.code, daily.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, '1 partition(s): 1 succeeded, 0 failed, 0 skipped']);
    expect(daily.stdout).toMatch(/selection gold\/daily_coin_summary,gold\/market_daily  partition 2025-02-09  SUCCESS/);

    const again = await dumpAll(database);
    expect(again).toEqual(firstTime);
    expect(JSON.stringify(again)).toBe(firstJson);
  });

  it('leaves stored bronze out of a whole-graph range and skips the partition that has none', async () => {
    const result = await materializeRange(pipeline, '*', FROM, '2025-02-09T18:00Z');
    expect(result.code).toBe(0);
    for (const partition of PARTITIONS) {
      const selection = new RegExp(`^run \\S+  selection (\\S+)  partition ${partition}  SUCCESS$`, 'm').exec(result.stdout)?.[1];
      expect([partition, selection?.split(',').sort()]).toEqual([
        partition,
        ['gold/crypto_analytics_mart', 'gold/market_segment_analysis', 'gold/source_reconciliation', 'silver/global_snapshots', 'silver/imported_quotes', 'silver/market_snapshots'],
      ]);
    }
    expect(result.stdout).not.toMatch(/bronze\/coingecko_markets\s+\S+\s+SUCCESS/);
    expect(result.stdout).toMatch(/^partition 2025-02-09T18:00Z {2}skipped: bronze\/coingecko_\w+ \[2025-02-09T18:00Z\] was never materialized and its source serves only the current partition/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('4 partition(s): 3 succeeded, 0 failed, 1 skipped');
    expect(JSON.stringify(await dumpAll(database))).toBe(firstJson);
  });

  it('exits 1 when a partition fails, and still runs the others', async () => {
    // A bronze file edited after the fact: its checksum no longer matches the manifest.
    const markets = bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITIONS[0]);
    expect(await readdir(markets)).toContain('page-001.json');
    await appendFile(join(markets, 'page-001.json'), ' ');
    const result = await materializeRange(pipeline, 'silver/market_snapshots', FROM, TO);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`partition ${PARTITIONS[0]}  FAILURE`));
    expect(result.stdout).toMatch(new RegExp(`partition ${PARTITIONS[2]}  SUCCESS`));
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('3 partition(s): 2 succeeded, 1 failed, 0 skipped');
  });
});
