/**
 * Schema drift of /coins/markets: the recorded pages of 2021 to 2025 show none, the 2020 one
 * lacks two fields the current API serves; an extra field is a new_field warning, a required
 * field gone from every row fails the bronze check no_missing_fields (blocking silver), a served
 * field gone from every row fails the warn check no_missing_served_fields (silver stores NULL and
 * says so), a renamed field is both, a changed type is recorded and its rows quarantined. One row per (source, field, kind): first seen kept, last seen advanced.
 * Served by `strata drift --json` and GET /api/v1/drift.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { driftCommand } from '../../src/cli/drift-command.js';
import { formatDetail } from '../../src/cli/materialize-command.js';
import type { RunResult } from '../../src/core/executor.js';
import { detectMarketsDrift, OPTIONAL_FIELDS, REQUIRED_FIELDS, SERVED_FIELDS } from '../../src/pipeline/silver/schema-drift.js';
import { splitMarketRows } from '../../src/pipeline/silver/market-rows.js';
import { parseLosslessJson, type JsonObject } from '../../src/pipeline/sources/index.js';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { dumpQuarantine, fixtureRows, pageBody, querySql, startPipeline, type Pipeline } from './pipeline-harness.js';

const BRONZE = 'bronze/coingecko_markets';
const SILVER = 'silver/market_snapshots';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/coingecko/${name}`, import.meta.url));

describe('schema drift detection on the recorded pages', () => {
  it('knows which fields are optional', () => {
    expect([...OPTIONAL_FIELDS].sort()).toEqual(
      ['fully_diluted_valuation', 'max_supply', ...['14d', '1h', '1y', '200d', '24h', '30d', '7d'].map((p) => `price_change_percentage_${p}_in_currency`)].sort(),
    );
    expect(REQUIRED_FIELDS).toContain('total_volume');
  });

  it('the 2020 recording lacks fields the current API serves: missing_field for each, never silently NULL', () => {
    expect(SERVED_FIELDS).toEqual(['fully_diluted_valuation', 'max_supply']);
    const drift = detectMarketsDrift([{ body: fixture('coins_markets_usd_ids-8coins_2020-05-07.json') }]);
    expect(drift.map((entry) => `${entry.kind} ${entry.field}`)).toEqual(['missing_field fully_diluted_valuation', 'missing_field max_supply']);
    expect(drift[0]?.detail).toContain('stored as NULL');
  });

  it('a served field absent from some rows only: not a changed API, no drift', () => {
    const rows = fixtureRows();
    delete (rows[0] as Record<string, unknown>)['max_supply'];
    expect(detectMarketsDrift([{ body: Buffer.from(pageBody(rows)) }])).toEqual([]);
  });

  it.each([
    'coins_markets_usd_page1_per100_pcp-1y_2021-06-24.json',
    'coins_markets_usd_page1_per100_2023-01-08.json',
    'coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json',
  ])('%s: no drift (absent optional fields are not missing)', (name) => {
    expect(detectMarketsDrift([{ body: fixture(name) }])).toEqual([]);
  });

  it('a renamed field quarantines every row with a reason naming it', () => {
    const rows = fixtureRows().map(({ current_price, ...rest }) => ({ ...rest, price: current_price ?? null }));
    const { staged, quarantined } = splitMarketRows([{ name: 'page-001.json', body: Buffer.from(pageBody(rows)) }]);
    expect(staged).toHaveLength(0);
    expect(quarantined).toHaveLength(250);
    expect(quarantined[0]?.reason).toContain('current_price');
  });
});

interface DriftRow {
  field: string;
  kind: string;
  first_seen_at: Date;
  last_seen_at: Date;
  first_partition: string;
  last_partition: string;
}

describeEachBackend('schema drift through the pipeline', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const results = new Map<string, RunResult>();
  const drift = () =>
    querySql<DriftRow>(database, 'SELECT field, kind, first_seen_at, last_seen_at, first_partition, last_partition FROM silver.schema_drift ORDER BY kind, field');
  const serve = async (partition: string, rows: readonly JsonObject[]) => {
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageBody(rows) });
    results.set(partition, (await pipeline.materialize(partition)).result);
  };
  const withFoo = () => fixtureRows().map((row) => ({ ...row, foo: 1 }) as unknown as JsonObject);

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-schema-drift', { backend });
    pipeline = await startPipeline(database);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('the 2025 recording: no drift', async () => {
    await serve('2025-02-09T12:00Z', fixtureRows());
    expect(results.get('2025-02-09T12:00Z')?.status).toBe('SUCCESS');
    expect(await drift()).toEqual([]);
  });

  it('an extra field: new_field with its first-seen time, the run still succeeds', async () => {
    await serve('2025-02-09T18:00Z', withFoo());
    expect(results.get('2025-02-09T18:00Z')?.status).toBe('SUCCESS');
    expect(await drift()).toEqual([
      expect.objectContaining({ field: 'foo', kind: 'new_field', first_partition: '2025-02-09T18:00Z', last_partition: '2025-02-09T18:00Z', first_seen_at: expect.any(Date) }),
    ]);
  });

  it('a changed type: type_changed, those rows quarantined saying the type changed; the same drift again keeps first seen', async () => {
    const [before] = await drift();
    const rows = withFoo();
    // Two string market caps in 250 rows (0.8%) stay under the quarantine limit (1%).
    for (const index of [3, 4]) (rows[index] as Record<string, unknown>)['market_cap'] = '12345';
    await serve('2025-02-10T00:00Z', rows);
    expect(results.get('2025-02-10T00:00Z')?.status).toBe('SUCCESS');
    const after = await drift();
    expect(after.map((row) => [row.kind, row.field, row.first_partition, row.last_partition])).toEqual([
      ['new_field', 'foo', '2025-02-09T18:00Z', '2025-02-10T00:00Z'],
      ['type_changed', 'market_cap', '2025-02-10T00:00Z', '2025-02-10T00:00Z'],
    ]);
    const foo = after.find((row) => row.field === 'foo');
    expect(foo?.first_seen_at).toEqual(before?.first_seen_at);
    expect(foo?.last_seen_at.getTime()).toBeGreaterThanOrEqual(before?.last_seen_at.getTime() ?? Infinity);
    const quarantined = await dumpQuarantine(database, '2025-02-10T00:00Z');
    expect(quarantined.map((row) => row['source_row'])).toEqual([3, 4]);
    expect(quarantined[0]?.['reason']).toContain('type changed: market_cap (string, expected number)');
  });

  it('a required field gone from every row: missing_field, no_missing_fields fails naming it, silver is blocked', async () => {
    await serve('2025-02-10T06:00Z', fixtureRows().map(({ total_volume: _dropped, ...rest }) => rest as JsonObject));
    const result = results.get('2025-02-10T06:00Z');
    expect(result?.status).toBe('FAILURE');
    const bronze = result?.steps.find((step) => step.assetKey === BRONZE);
    expect(bronze).toMatchObject({ status: 'FAILURE', failedCheck: 'no_missing_fields' });
    expect(bronze?.error).toContain('total_volume');
    expect(result?.steps.find((step) => step.assetKey === SILVER)?.status).toBe('SKIPPED');
    expect((await drift()).filter((row) => row.kind === 'missing_field').map((row) => row.field)).toEqual(['total_volume']);
  });

  it('a renamed field: missing_field and new_field', async () => {
    await serve('2025-02-10T12:00Z', fixtureRows().map(({ current_price, ...rest }) => ({ ...rest, price: current_price ?? null }) as JsonObject));
    const result = results.get('2025-02-10T12:00Z');
    expect(result?.steps.find((step) => step.assetKey === BRONZE)?.error).toContain('current_price');
    const rows = (await drift()).map((row) => `${row.kind} ${row.field}`);
    expect(rows).toEqual(expect.arrayContaining(['missing_field current_price', 'new_field price']));
  });

  it('a served field gone from every row (a modified 2025 response): missing_field, a warn check and the run summary name it, silver loads it as NULL', async () => {
    const logs: string[] = [];
    const unsubscribe = pipeline.runtime.events.subscribe((event) => {
      if (event.type === 'log' && event.level === 'warn') logs.push(`${event.message} ${JSON.stringify(event.fields)}`);
    });
    try {
      await serve('2025-02-10T18:00Z', fixtureRows().map(({ max_supply: _dropped, ...rest }) => rest as JsonObject));
    } finally {
      unsubscribe();
    }
    const result = results.get('2025-02-10T18:00Z');
    expect(result?.status).toBe('SUCCESS');
    const bronze = result?.steps.find((step) => step.assetKey === BRONZE);
    expect(bronze?.checks).toContainEqual(
      expect.objectContaining({ check: 'no_missing_served_fields', severity: 'warn', passed: false, message: 'missing from every row (stored as NULL): max_supply' }),
    );
    expect(bronze?.checks?.find((check) => check.check === 'no_missing_fields')?.passed).toBe(true);
    expect(formatDetail(bronze ?? {})).toContain('no_missing_served_fields: missing from every row (stored as NULL): max_supply');
    const silver = result?.steps.find((step) => step.assetKey === SILVER);
    expect(silver?.metadata?.['missing_fields_stored_as_null']).toBe('max_supply');
    expect(logs.some((line) => line.includes('max_supply') && line.includes('NULL'))).toBe(true);
    const stored = await querySql<{ max_supply: unknown }>(database, `SELECT max_supply FROM silver.market_snapshots WHERE snapshot_at = '2025-02-10T18:00Z'`);
    expect(stored).toHaveLength(250);
    expect(stored.every((row) => row.max_supply === null)).toBe(true);
    expect((await drift()).filter((row) => row.field === 'max_supply')).toEqual([
      expect.objectContaining({ kind: 'missing_field', first_partition: '2025-02-10T18:00Z', last_partition: '2025-02-10T18:00Z' }),
    ]);
  });

  it('the real 2020 recording: fully_diluted_valuation and max_supply recorded as missing_field, the warn check names both', async () => {
    const rows = parseLosslessJson(fixture('coins_markets_usd_ids-8coins_2020-05-07.json').toString('utf8')) as JsonObject[];
    await serve('2025-02-11T00:00Z', rows);
    const result = results.get('2025-02-11T00:00Z');
    const bronze = result?.steps.find((step) => step.assetKey === BRONZE);
    expect(bronze?.checks?.find((check) => check.check === 'no_missing_served_fields')).toMatchObject({
      severity: 'warn', passed: false, message: 'missing from every row (stored as NULL): fully_diluted_valuation, max_supply',
    });
    expect(result?.steps.find((step) => step.assetKey === SILVER)?.metadata?.['missing_fields_stored_as_null']).toBe('fully_diluted_valuation, max_supply');
    const missing = (await drift()).filter((row) => row.kind === 'missing_field' && row.last_partition === '2025-02-11T00:00Z');
    expect(missing.map((row) => row.field)).toEqual(['fully_diluted_valuation', 'max_supply']);
  });

  it('strata drift --json and GET /api/v1/drift list the history', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      expect(await driftCommand(pipeline.runtime, { json: true })).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const listed = JSON.parse(lines.join('')) as { kind: string; field: string }[];
    const text: string[] = [];
    const textSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      text.push(String(chunk));
      return true;
    });
    try {
      expect(await driftCommand(pipeline.runtime, { json: false })).toBe(0);
    } finally {
      textSpy.mockRestore();
    }
    expect(text.join('')).toMatch(/missing_field\s+max_supply/);
    expect(listed.map((d) => `${d.kind} ${d.field}`).sort()).toEqual([
      'missing_field current_price', 'missing_field fully_diluted_valuation', 'missing_field max_supply', 'missing_field total_volume',
      'new_field foo', 'new_field price', 'type_changed market_cap',
    ]);
    const app = await buildApp({ runtime: pipeline.runtime });
    try {
      const all = await app.inject({ method: 'GET', url: '/api/v1/drift' });
      expect(all.statusCode).toBe(200);
      expect((all.json() as { drift: unknown[] }).drift).toHaveLength(7);
      const missing = await app.inject({ method: 'GET', url: '/api/v1/drift?source=coingecko/markets&kind=missing_field' });
      expect((missing.json() as { drift: { field: string }[] }).drift.map((d) => d.field).sort()).toEqual(['current_price', 'fully_diluted_valuation', 'max_supply', 'total_volume']);
      const bad = await app.inject({ method: 'GET', url: '/api/v1/drift?kind=renamed' });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
