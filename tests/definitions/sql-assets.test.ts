/**
 * SQL-file assets end to end, on each engine: silver/market_snapshots materialized from the fake
 * CoinGecko for two partitions, then SQL assets over it through the real executor. The query of
 * gold/top_movers is edited twice (a new graph over the same database): once to new columns,
 * once to new columns that fail at run time, which must leave the table as it was.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildGraph } from '../../src/core/graph.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { loadSqlAssets } from '../../src/definitions/sql-assets/load-sql-assets.js';
import { pipelineAssets } from '../../src/pipeline/definitions.js';
import type { Runtime } from '../../src/runtime.js';
import { latestMaterialization } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { interceptSessions, querySql, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const EARLY = '2025-02-09T06:00Z';
const LATE = '2025-02-09T12:00Z';

const TOP_MOVERS_QUERY = `SELECT coin_id, symbol, current_price, price_change_percentage_24h
FROM silver.market_snapshots
WHERE snapshot_at = {{ partition_start }}
ORDER BY abs(price_change_percentage_24h) DESC NULLS LAST, coin_id
LIMIT 10;
`;

const FILES = {
  'top_movers.sql': `-- asset: gold/top_movers
-- deps: silver/market_snapshots
-- description: The ten biggest 24 h movers per snapshot.
-- group: markets
-- owners: team-data@example.com, alice
-- check: no_negative_price: SELECT * FROM {{ this }} WHERE current_price < 0
${TOP_MOVERS_QUERY}`,
  'mover_count.sql': `-- asset: gold/mover_count
-- deps: gold/top_movers
SELECT m.partition_key AS source_key, count(*)::int AS movers
FROM gold.top_movers m
WHERE m.partition_key = {{ partition_key }}
  AND to_char({{ partition_start }} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00Z"') = {{ partition_key }}
GROUP BY m.partition_key
`,
  'flagged.sql': `-- asset: gold/flagged
-- deps: silver/market_snapshots
-- check: never_rows: SELECT coin_id FROM {{ this }} WHERE partition_key = {{ partition_key }}
SELECT coin_id FROM silver.market_snapshots WHERE snapshot_at = {{ partition_start }} ORDER BY coin_id LIMIT 2
`,
  'coin_names.sql': `-- asset: gold/coin_names
-- partitions: none
SELECT coin_id, name FROM silver.coins
`,
  'coin_ids.sql': `-- asset: bronze/coin_ids
SELECT coin_id FROM silver.coins
`,
  'not_ours.sql': `-- asset: silver/coins
SELECT 1 AS one
`,
};

/** gold/top_movers edited: market_cap_rank added, symbol removed, price_change_percentage_24h retyped. */
const NEW_COLUMNS = `-- asset: gold/top_movers
-- deps: silver/market_snapshots
SELECT coin_id, market_cap_rank, current_price, price_change_percentage_24h::float8 AS price_change_percentage_24h
FROM silver.market_snapshots
WHERE snapshot_at = {{ partition_start }}
ORDER BY abs(price_change_percentage_24h) DESC NULLS LAST, coin_id
LIMIT 10
`;

/** Other columns again, and a division by zero that only running the query finds. */
const FAILING = `-- asset: gold/top_movers
-- deps: silver/market_snapshots
SELECT coin_id, 1 / (market_cap_rank - market_cap_rank) AS boom
FROM silver.market_snapshots
WHERE snapshot_at = {{ partition_start }}
`;

type Row = Record<string, unknown>;

describeEachBackend('SQL-file assets', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let runtime: Runtime;
  let root: string;

  /** The pipeline's assets and the SQL assets of `files`, in one graph. */
  async function graphWith(files: Readonly<Record<string, string>>) {
    const dir = await mkdtemp(join(root, 'sql-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const sqlAssets = await loadSqlAssets([dir], pipelineAssets());
    return buildGraph([...pipelineAssets(), ...sqlAssets]);
  }

  /** The test's runtime with the SQL assets of `files` instead (the file edited). */
  const withFiles = async (files: Readonly<Record<string, string>>): Promise<Runtime> => ({ ...runtime, graph: await graphWith(files) });

  const run = (target: Runtime, selection: string, partitionKey?: string) =>
    materialize(target, { selection, ...(partitionKey === undefined ? {} : { partitionKey }) });
  const rowsOf = (table: string, partitionKey: string) => querySql<Row>(database, `SELECT * FROM ${table} WHERE partition_key = $1 ORDER BY coin_id`, [partitionKey]);
  const columnsOf = (table: string) =>
    querySql<Row>(
      database,
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_schema = 'gold' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-sql-e2e-'));
    database = await createTestDatabase('sql-assets', { backend });
    pipeline = await startPipeline(database, { graph: await graphWith(FILES) });
    runtime = pipeline.runtime;
    for (const partition of [EARLY, LATE]) {
      const { result } = await pipeline.materialize(partition, 'bronze/coingecko_markets,silver/market_snapshots');
      expect(result.status).toBe('SUCCESS');
    }
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('creates <layer>.<name> from the query, writes exactly its rows and records them', async () => {
    const { run: stored, result } = await run(runtime, 'gold/top_movers', EARLY);
    expect(result.status).toBe('SUCCESS');
    expect(result.steps[0]?.metadata).toEqual({ rows: 10, columns: 4, table: 'gold.top_movers', table_created: true });
    expect(await columnsOf('top_movers')).toEqual([
      { name: 'partition_key', type: 'text', nullable: 'NO' },
      { name: 'coin_id', type: 'text', nullable: 'YES' },
      { name: 'symbol', type: 'text', nullable: 'YES' },
      { name: 'current_price', type: 'numeric', nullable: 'YES' },
      { name: 'price_change_percentage_24h', type: 'numeric', nullable: 'YES' },
    ]);
    const indexes = await querySql<Row>(database, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'gold' AND tablename = 'top_movers'");
    expect(indexes.map((row) => row['indexdef'])).toEqual([expect.stringContaining('(partition_key)')]);
    const expected = await querySql<Row>(
      database,
      `SELECT $1::text AS partition_key, q.* FROM (${TOP_MOVERS_QUERY.replace('{{ partition_start }}', '$2::timestamptz').replace(';', '')}) q ORDER BY coin_id`,
      [EARLY, '2025-02-09T06:00:00Z'],
    );
    expect(expected).toHaveLength(10);
    expect(await rowsOf('gold.top_movers', EARLY)).toEqual(expected);
    const recorded = await latestMaterialization(database.db, 'gold/top_movers', EARLY);
    expect(recorded).toMatchObject({ runId: stored.id, value: { table: 'gold.top_movers', rows: 10 }, metadata: { rows: 10, columns: 4 } });
    expect(result.steps[0]?.checks).toEqual([{ check: 'no_negative_price', severity: 'error', passed: true, message: null }]);
  });

  it('replaces the partition on a second run, and keeps the other partitions', async () => {
    const before = await rowsOf('gold.top_movers', EARLY);
    const again = await run(runtime, 'gold/top_movers', EARLY);
    expect(again.result.status).toBe('SUCCESS');
    expect(again.result.steps[0]?.metadata).toEqual({ rows: 10, columns: 4, table: 'gold.top_movers' });
    expect(await rowsOf('gold.top_movers', EARLY)).toEqual(before);
    const late = await run(runtime, 'gold/top_movers', LATE);
    expect(late.result.status).toBe('SUCCESS');
    const counts = await querySql<Row>(database, 'SELECT partition_key, count(*)::int AS n FROM gold.top_movers GROUP BY 1 ORDER BY 1');
    expect(counts).toEqual([
      { partition_key: EARLY, n: 10 },
      { partition_key: LATE, n: 10 },
    ]);
  });

  it('binds the partition as parameters: a SQL asset over another compares {{ partition_key }} as a string', async () => {
    const statements: string[] = [];
    const watched = { ...runtime, resources: interceptSessions(runtime.resources, (statement) => statements.push(statement)) };
    const { result } = await run(watched, 'gold/mover_count', EARLY);
    expect(result.status).toBe('SUCCESS');
    expect(await querySql<Row>(database, 'SELECT source_key, movers FROM gold.mover_count')).toEqual([{ source_key: EARLY, movers: 10 }]);
    const insert = statements.find((statement) => statement.startsWith('INSERT INTO "gold"."mover_count"'));
    expect(insert).toContain("WHERE m.partition_key = ($1::text)\n  AND to_char(($2::timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":00Z\"') = ($1::text)");
    expect(statements.filter((statement) => statement.includes(EARLY))).toEqual([]);
  });

  it('fails the step when a check returns rows, naming the count and the first row', async () => {
    const { result } = await run(runtime, 'gold/flagged', LATE);
    expect(result.status).toBe('FAILURE');
    const step = result.steps[0];
    expect(step?.failedCheck).toBe('never_rows');
    expect(step?.error).toMatch(/^check 'never_rows' failed: 2 offending rows; first: \{"coin_id":"[^"]+"\}$/);
    expect(await rowsOf('gold.flagged', LATE)).toHaveLength(2);
  });

  it('replaces every row of an unpartitioned asset', async () => {
    const [coins] = await querySql<Row>(database, 'SELECT count(*)::int AS n FROM silver.coins');
    for (let time = 0; time < 2; time++) {
      const { result } = await run(runtime, 'gold/coin_names');
      expect(result.status).toBe('SUCCESS');
      expect(result.steps[0]).toMatchObject({ partition: null, metadata: { rows: coins?.['n'] } });
    }
    expect(await querySql<Row>(database, 'SELECT count(*)::int AS n FROM gold.coin_names')).toEqual([coins]);
    expect(await columnsOf('coin_names')).toEqual([
      { name: 'coin_id', type: 'text', nullable: 'YES' },
      { name: 'name', type: 'text', nullable: 'YES' },
    ]);
  });

  it('creates the layer\'s schema when it has none', async () => {
    expect(await querySql<Row>(database, "SELECT nspname FROM pg_namespace WHERE nspname = 'bronze'")).toEqual([]);
    const { result } = await run(runtime, 'bronze/coin_ids');
    expect(result.status).toBe('SUCCESS');
    expect(await querySql<Row>(database, 'SELECT count(*)::int AS n FROM bronze.coin_ids')).toEqual([{ n: result.steps[0]?.metadata?.['rows'] }]);
  });

  it('refuses to write into a table it did not create', async () => {
    const [before] = await querySql<Row>(database, 'SELECT count(*)::int AS n FROM silver.coins');
    const { result } = await run(runtime, 'silver/coins');
    expect(result.status).toBe('FAILURE');
    expect(result.steps[0]?.error).toContain('silver.coins already exists and was not created by the SQL asset silver/coins');
    expect(await querySql<Row>(database, 'SELECT count(*)::int AS n FROM silver.coins')).toEqual([before]);
  });

  it('rebuilds the table when the query\'s columns change, keeping the other partitions\' rows in the columns that stayed', async () => {
    const lateBefore = await rowsOf('gold.top_movers', LATE);
    const edited = await withFiles({ ...FILES, 'top_movers.sql': NEW_COLUMNS });
    const { result } = await run(edited, 'gold/top_movers', EARLY);
    expect(result.status).toBe('SUCCESS');
    expect(result.steps[0]?.metadata).toEqual({
      rows: 10,
      columns: 4,
      table: 'gold.top_movers',
      schema_changed: true,
      columns_added: 'market_cap_rank',
      columns_removed: 'symbol',
      columns_retyped: 'price_change_percentage_24h',
    });
    expect((await columnsOf('top_movers')).map((column) => `${column['name']} ${column['type']}`)).toEqual([
      'partition_key text',
      'coin_id text',
      'market_cap_rank integer',
      'current_price numeric',
      'price_change_percentage_24h double precision',
    ]);
    expect(await rowsOf('gold.top_movers', LATE)).toEqual(
      lateBefore.map((row) => ({ partition_key: LATE, coin_id: row['coin_id'], market_cap_rank: null, current_price: row['current_price'], price_change_percentage_24h: null })),
    );
    const early = await rowsOf('gold.top_movers', EARLY);
    expect(early).toHaveLength(10);
    expect(early.every((row) => typeof row['market_cap_rank'] === 'number')).toBe(true);
    const warnings = await querySql<Row>(database, "SELECT message FROM strata.events WHERE type = 'log' AND level = 'warn' AND asset_key = 'gold/top_movers'");
    expect(warnings.map((row) => row['message'])).toEqual([expect.stringContaining('gold.top_movers was rebuilt for the query\'s new columns (added market_cap_rank; removed symbol; retyped price_change_percentage_24h)')]);
  });

  it('leaves the table and its rows as they were when a rebuild fails', async () => {
    const dump = () => querySql<Row>(database, 'SELECT * FROM gold.top_movers ORDER BY partition_key, coin_id');
    const before = await dump();
    const columns = await columnsOf('top_movers');
    const failing = await withFiles({ ...FILES, 'top_movers.sql': FAILING });
    const { result } = await run(failing, 'gold/top_movers', LATE);
    expect(result.status).toBe('FAILURE');
    expect(result.steps[0]?.error).toMatch(/division by zero/);
    expect(await columnsOf('top_movers')).toEqual(columns);
    expect(await dump()).toEqual(before);
    expect(before).toHaveLength(20);
  });
});
