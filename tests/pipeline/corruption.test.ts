/**
 * Corrupted inputs through the real pipeline: each fails loudly, naming the file or field, or is
 * quarantined with a reason; `strata verify` reports what is damaged; and wherever silver ran,
 * silver + quarantine = bronze rows for the partition (nothing lost).
 *
 * Covered elsewhere, not repeated here: a required field dropped from every row and a renamed
 * field (missing_field / new_field drift, no_missing_fields blocks silver) in schema-drift.test.ts;
 * string numbers, a missing field and duplicate ids in single rows in quarantine.test.ts; a page
 * edited after the fact found by verify (verify.test.ts) and by manifest_checksums (checks.test.ts);
 * a fetch failing on page 2 commits nothing (bronze-atomicity.test.ts).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { verifyCommand, type VerifyJson } from '../../src/cli/verify-command.js';
import type { Clock } from '../../src/core/types.js';
import type { RunResult } from '../../src/core/executor.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { describeFile, encodeManifest, type Manifest } from '../../src/pipeline/bronze/manifest.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { PIPELINE_MIGRATIONS_DIR, PIPELINE_MIGRATION_TABLE } from '../../src/pipeline/sql-files.js';
import { sqlFileMigrationProvider } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, countQuarantine, countSilver, dumpQuarantine, dumpSilver, fixtureRows, pageBody, querySql, snapshotAt, startPipeline, type Pipeline } from './pipeline-harness.js';

const MARKETS = 'bronze/coingecko_markets';
const GLOBAL = 'bronze/coingecko_global';
const SILVER = 'silver/market_snapshots';
const SILVER_GLOBAL = 'silver/global_snapshots';

const statusOf = (result: RunResult) => Object.fromEntries(result.steps.map((step) => [step.assetKey, step.status]));
const stepOf = (result: RunResult, assetKey: string) => result.steps.find((step) => step.assetKey === assetKey);

describeEachBackend('corrupted inputs through the pipeline', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-corruption', { backend });
    pipeline = await startPipeline(database);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  const prefixOf = (asset: string, partition: string) => `raw/${partition.slice(0, 10)}/${partition}/${asset}`;
  const fileOf = (asset: string, partition: string, name: string) => join(bronzeDir(pipeline.dataDir, asset, partition), name);
  const manifestOf = async (partition: string): Promise<Manifest> =>
    JSON.parse(await readFile(fileOf('coingecko_markets', partition, '_manifest.json'), 'utf8')) as Manifest;

  /** Silver rows + quarantined rows of the partition = the rows its bronze manifest holds. */
  async function expectNothingLost(partition: string, expected: { silver: number; quarantined: number }): Promise<void> {
    const bronzeRows = (await manifestOf(partition)).rows;
    const silver = await countSilver(database, snapshotAt(partition));
    const quarantined = await countQuarantine(database, partition);
    expect({ silver, quarantined, sum: silver + quarantined }).toEqual({ ...expected, sum: bronzeRows });
  }

  async function verify(): Promise<{ code: number; report: VerifyJson }> {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const code = await verifyCommand(pipeline.runtime, { json: true });
      return { code, report: JSON.parse(lines.join('')) as VerifyJson };
    } finally {
      spy.mockRestore();
    }
  }

  it('a markets page truncated in bronze after it landed: verify names it, silver refuses it and keeps what it had', async () => {
    const partition = '2025-02-09T12:00Z';
    expect((await pipeline.materialize(partition)).result.status).toBe('SUCCESS');
    await expectNothingLost(partition, { silver: 250, quarantined: 0 });
    const before = await dumpSilver(database, snapshotAt(partition));

    const page = fileOf('coingecko_markets', partition, 'page-001.json');
    const original = await readFile(page);
    await writeFile(page, original.subarray(0, Math.floor(original.length / 2)));
    const path = `${prefixOf('coingecko_markets', partition)}/page-001.json`;

    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.mismatches).toEqual([{ path, problem: expect.stringContaining(`file: ${Math.floor(original.length / 2)} bytes`) }]);

    const { result } = await pipeline.materialize(partition, `${SILVER}+`);
    expect(stepOf(result, SILVER)).toMatchObject({ status: 'FAILURE', attempts: 1 });
    expect(stepOf(result, SILVER)?.error).toContain(`${path}: content does not match the manifest`);
    expect(stepOf(result, 'gold/crypto_analytics_mart')?.status).toBe('SKIPPED');
    expect(await dumpSilver(database, snapshotAt(partition))).toEqual(before);
    await expectNothingLost(partition, { silver: 250, quarantined: 0 });

    await writeFile(page, original);
    expect((await verify()).code).toBe(0);
  });

  it('a truncated page whose manifest was rewritten to match: the hashes agree, but silver fails naming the file', async () => {
    const partition = '2025-02-09T12:00Z';
    const page = fileOf('coingecko_markets', partition, 'page-001.json');
    const manifestFile = fileOf('coingecko_markets', partition, '_manifest.json');
    const [originalPage, originalManifest] = [await readFile(page), await readFile(manifestFile)];
    const truncated = originalPage.subarray(0, Math.floor(originalPage.length / 2));
    const manifest = JSON.parse(originalManifest.toString('utf8')) as Manifest;
    const files = manifest.files.map((file) => (file.name === 'page-001.json' ? describeFile(file.name, truncated, file.rows, file.request) : file));
    await writeFile(page, truncated);
    await writeFile(manifestFile, encodeManifest({ ...manifest, files }));
    try {
      expect((await verify()).code).toBe(0);
      const { result } = await pipeline.materialize(partition, SILVER);
      expect(stepOf(result, SILVER)).toMatchObject({ status: 'FAILURE', attempts: 1 });
      expect(stepOf(result, SILVER)?.error).toContain(`${SILVER} [${partition}]: page-001.json: not valid JSON (Unexpected end of JSON input`);
      await expectNothingLost(partition, { silver: 250, quarantined: 0 });
    } finally {
      await writeFile(page, originalPage);
      await writeFile(manifestFile, originalManifest);
    }
  });

  it('truncated JSON served by CoinGecko for /coins/markets and /global: both bronze steps fail saying so, nothing is written', async () => {
    const partition = '2025-02-09T18:00Z';
    const cut = (body: string) => body.slice(0, Math.floor(body.length / 2));
    const markets = cut(pageBody(fixtureRows()));
    const global = cut(await readFile(new URL('../fixtures/coingecko/global_2025-04-07.json', import.meta.url), 'utf8'));
    // The bronze assets retry once: both attempts get the truncated body. The retry delay is not waited for.
    for (let attempt = 0; attempt < 2; attempt++) {
      pipeline.fake.script({ path: '/coins/markets', status: 200, body: markets }, { path: '/global', status: 200, body: global });
    }
    const sleeps: number[] = [];
    // At the time the schedule would fetch the partition: the sources serve only the current one.
    pipeline.clock.at(partition);
    const clock: Clock = { now: () => pipeline.clock.now(), sleep: async (ms) => void sleeps.push(ms) };
    // One step at a time: the two bronze steps share the `coingecko` pool, and a step waiting for
    // its slot polls on this clock, whose sleeps return at once.
    const tags = { 'strata/max_concurrent_steps': '1' };
    const { result } = await materialize({ ...pipeline.runtime, clock }, { selection: '*', partitionKey: partition, tags });

    expect(pipeline.fake.pendingScript).toBe(0);
    expect(sleeps).toHaveLength(2);
    expect(statusOf(result)).toMatchObject({ [MARKETS]: 'FAILURE', [GLOBAL]: 'FAILURE', [SILVER]: 'SKIPPED', [SILVER_GLOBAL]: 'SKIPPED' });
    for (const [asset, path] of [[MARKETS, '/coins/markets'], [GLOBAL, '/global']] as const) {
      const step = stepOf(result, asset);
      expect([asset, step?.attempts]).toEqual([asset, 2]);
      expect(step?.error).toContain(path);
      expect(step?.error).toMatch(/malformed JSON \(.*end of JSON input/);
    }
    for (const asset of ['coingecko_markets', 'coingecko_global']) {
      const entries = await readdir(bronzeDir(pipeline.dataDir, asset, partition)).catch(() => []);
      expect([asset, entries]).toEqual([asset, []]);
    }
    expect(await countSilver(database, snapshotAt(partition))).toBe(0);
    expect(await countQuarantine(database, partition)).toBe(0);
    expect((await verify()).code).toBe(0);
  });

  it('string numbers in every row ("current_price": "123.4"): all quarantined as a type change, quarantine_ratio blocks gold, nothing lost', async () => {
    const partition = '2025-02-10T00:00Z';
    const rows = fixtureRows().map((row) => {
      const price = row['current_price'];
      return { ...row, current_price: price instanceof JsonNumber ? price.source : price } as JsonObject;
    });
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageBody(rows) });
    const { result } = await pipeline.materialize(partition);

    expect(stepOf(result, MARKETS)?.status).toBe('SUCCESS');
    expect(stepOf(result, SILVER)).toMatchObject({ status: 'FAILURE', failedCheck: 'quarantine_ratio' });
    expect(stepOf(result, 'gold/crypto_analytics_mart')?.status).toBe('SKIPPED');
    const quarantined = await dumpQuarantine(database, partition);
    expect(quarantined).toHaveLength(250);
    const bitcoin = quarantined.find((row) => row['coin_id'] === 'bitcoin');
    expect(bitcoin?.['reason']).toMatch(/^type changed: current_price \(string, expected number\); current_price: expected a number or null, got string "\d/);
    expect(bitcoin?.['raw_row']).toMatchObject({ current_price: expect.any(String) });
    await expectNothingLost(partition, { silver: 0, quarantined: 250 });
    const drift = await querySql<{ field: string }>(database, "SELECT field FROM silver.schema_drift WHERE kind = 'type_changed'");
    expect(drift.map((row) => row.field)).toEqual(['current_price']);
  });

  it('a markets page edited after the fact: re-materializing silver fails on the manifest check and keeps the loaded values', async () => {
    const partition = '2025-02-10T06:00Z';
    expect((await pipeline.materialize(partition)).result.status).toBe('SUCCESS');
    const page = fileOf('coingecko_markets', partition, 'page-001.json');
    const original = await readFile(page, 'utf8');
    const bitcoin = (await dumpSilver(database, snapshotAt(partition))).find((row) => row['coin_id'] === 'bitcoin');
    const price = String(bitcoin?.['current_price']);
    // Same length, another price: only the hash can tell.
    const edited = original.replace(`"current_price":${price}`, `"current_price":${price.replace(/^\d/, (d) => String((Number(d) + 1) % 10))}`);
    expect(edited).not.toBe(original);
    expect(edited.length).toBe(original.length);
    await writeFile(page, edited);
    try {
      const { result } = await pipeline.materialize(partition, SILVER);
      expect(stepOf(result, SILVER)).toMatchObject({ status: 'FAILURE', attempts: 1 });
      expect(stepOf(result, SILVER)?.error).toContain(`${prefixOf('coingecko_markets', partition)}/page-001.json: content does not match the manifest`);
      expect((await dumpSilver(database, snapshotAt(partition))).find((row) => row['coin_id'] === 'bitcoin')?.['current_price']).toBe(price);
      await expectNothingLost(partition, { silver: 250, quarantined: 0 });
    } finally {
      await writeFile(page, original);
    }
    expect((await pipeline.materialize(partition, SILVER)).result.status).toBe('SUCCESS');
  });

  it('a /global response of the wrong shape: quarantined whole, the mart falls back to the snapshot sum, verify counts it', async () => {
    const partition = '2025-02-10T12:00Z';
    pipeline.fake.script({ path: '/global', status: 200, body: '{"data":{"markets":"many"}}' });
    const { result } = await pipeline.materialize(partition);
    expect(result.status).toBe('SUCCESS');
    const [quarantined] = await querySql<{ reason: string; source_file: string }>(
      database,
      'SELECT reason, source_file FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2',
      [SILVER_GLOBAL, partition],
    );
    expect(quarantined).toMatchObject({ source_file: 'global.json', reason: expect.stringContaining('data.markets') });
    const [{ n } = { n: -1 }] = await querySql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM silver.global_snapshots WHERE snapshot_at = $1', [snapshotAt(partition)]);
    expect(n).toBe(0);
    const bases = await querySql<{ dominance_basis: string }>(database, 'SELECT DISTINCT dominance_basis FROM gold.crypto_analytics_mart WHERE snapshot_at = $1', [snapshotAt(partition)]);
    expect(bases).toEqual([{ dominance_basis: 'snapshot_sum' }]);
    const { code, report } = await verify();
    expect(code).toBe(0);
    expect(report.checked.silverPartitionsByAsset[SILVER_GLOBAL]).toBeGreaterThanOrEqual(3);
  });
});

describeEachBackend('NOT NULL where the source guarantees a value', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-not-null', {
      backend,
      migrations: [{ provider: sqlFileMigrationProvider(PIPELINE_MIGRATIONS_DIR), tableName: PIPELINE_MIGRATION_TABLE }],
    });
  });

  afterAll(async () => {
    await database?.destroy();
  });

  const insertGlobal = (snapshot: string, values: { active: number | null; markets: number | null; updatedAt: string | null }) =>
    querySql(
      database,
      `INSERT INTO silver.global_snapshots (snapshot_at, active_cryptocurrencies, markets, updated_at, source_file)
       VALUES ($1::timestamptz, $2::integer, $3::integer, $4::timestamptz, 'global.json')`,
      [snapshot, values.active, values.markets, values.updatedAt],
    );

  it('silver.global_snapshots refuses a NULL count or update time, and takes the row with all three', async () => {
    const good = { active: 17111, markets: 1297, updatedAt: '2025-04-07T11:28:53Z' };
    for (const [column, values] of [
      ['active_cryptocurrencies', { ...good, active: null }],
      ['markets', { ...good, markets: null }],
      ['updated_at', { ...good, updatedAt: null }],
    ] as const) {
      await expect(insertGlobal('2025-04-07T06:00:00Z', values), column).rejects.toThrow(new RegExp(`null value in column "${column}"`));
    }
    await insertGlobal('2025-04-07T06:00:00Z', good);
    // A per-currency figure may be missing from a valid response: it stays nullable.
    const [row] = await querySql<{ total_market_cap_usd: string | null }>(database, 'SELECT total_market_cap_usd FROM silver.global_snapshots');
    expect(row).toEqual({ total_market_cap_usd: null });
  });
});
