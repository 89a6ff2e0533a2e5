/**
 * silver.coins keeps the names of the newest snapshot that holds a coin and the first snapshot
 * that held it, whatever order partitions load in (backfills, re-fetches), and a load writes
 * only the coin rows it changes. Last seen is derived: silver.coin_activity.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMarketSnapshots } from '../../src/pipeline/silver/load-market-snapshots.js';
import { splitMarketRows } from '../../src/pipeline/silver/market-rows.js';
import { migrateAll } from '../../src/runtime.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { fixtureRows, pageBody } from './pipeline-harness.js';

const T1 = '2025-02-09T06:00:00.000Z';
const T2 = '2025-02-09T12:00:00.000Z';
const T3 = '2025-02-09T18:00:00.000Z';

describeEachBackend('silver.coins dimension', (backend) => {
  let database: TestDatabase;

  /** Loads three fixture coins at `at`, bitcoin named `bitcoinName`. */
  async function load(at: string, bitcoinName: string): Promise<void> {
    const rows = fixtureRows().slice(0, 3);
    (rows[0] as { name: string }).name = bitcoinName;
    const { staged } = splitMarketRows([{ name: 'page-001.json', body: Buffer.from(pageBody(rows)) }]);
    await database.withSession((session) => loadMarketSnapshots(session, at, [staged]));
  }

  async function coin(coinId: string) {
    const { rows } = await sql<{ name: string; first_seen_at: Date; last_seen_at: Date; version: string }>`
      SELECT c.name, c.first_seen_at, a.last_seen_at, c.xmin::text AS version
      FROM silver.coins c JOIN silver.coin_activity a USING (coin_id) WHERE coin_id = ${coinId}`.execute(database.db);
    const [row] = rows;
    if (row === undefined) throw new Error(`no coin ${coinId}`);
    return { name: row.name, firstSeen: row.first_seen_at.toISOString(), lastSeen: row.last_seen_at.toISOString(), version: row.version };
  }

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-coins', { backend });
    await migrateAll(database);
  });

  afterAll(async () => {
    await database?.destroy();
  });

  it('takes the names and first sighting of the first snapshot loaded', async () => {
    await load(T2, 'Bitcoin at T2');
    expect(await coin('bitcoin')).toMatchObject({ name: 'Bitcoin at T2', firstSeen: T2, lastSeen: T2 });
  });

  it('a backfill of an older snapshot moves first seen back and keeps the newer names', async () => {
    await load(T1, 'Bitcoin at T1');
    expect(await coin('bitcoin')).toMatchObject({ name: 'Bitcoin at T2', firstSeen: T1, lastSeen: T2 });
  });

  it('a newer snapshot brings its names; reloading an older one does not bring its names back', async () => {
    await load(T3, 'Bitcoin at T3');
    expect(await coin('bitcoin')).toMatchObject({ name: 'Bitcoin at T3', firstSeen: T1, lastSeen: T3 });
    await load(T2, 'Bitcoin at T2, re-fetched');
    expect(await coin('bitcoin')).toMatchObject({ name: 'Bitcoin at T3', firstSeen: T1, lastSeen: T3 });
  });

  it('a re-fetch of the newest snapshot renames', async () => {
    await load(T3, 'Bitcoin at T3, re-fetched');
    expect(await coin('bitcoin')).toMatchObject({ name: 'Bitcoin at T3, re-fetched', firstSeen: T1, lastSeen: T3 });
  });

  it('does not write coins that did not change', async () => {
    const [ethereum, bitcoin] = [await coin('ethereum'), await coin('bitcoin')];
    await load(T3, 'Bitcoin renamed once more');
    expect(await coin('ethereum')).toEqual(ethereum);
    expect((await coin('bitcoin')).version).not.toBe(bitcoin.version);
  });
});
