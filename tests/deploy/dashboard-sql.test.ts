/**
 * Every Postgres panel of the dashboards runs against the real marts after a pipeline run (a
 * six-hourly partition, then its day's daily summary) and returns rows, so a renamed column or
 * view breaks this test instead of a dashboard. Grafana's $__timeFilter macro is expanded as
 * Grafana would, over a range that covers the recorded snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, querySql, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { allPanels, loadDashboards, panelTargets } from './deploy-files.js';

const POSTGRES_DATASOURCE = 'strata-postgres';
/** Panels that are empty on a clean run: the recorded page has no row that fails validation. */
const MAY_BE_EMPTY = new Set(['Quarantined rows by partition']);
const DAY = PARTITION.slice(0, 10);

function expandMacros(rawSql: string): string {
  const expanded = rawSql.replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'`);
  const leftover = /\$__\w+|\$\{?[a-zA-Z]\w*/.exec(expanded);
  if (leftover !== null) throw new Error(`unexpanded Grafana macro or variable ${leftover[0]}`);
  return expanded;
}

const sqlPanels = loadDashboards().flatMap(({ file, dashboard }) =>
  allPanels(dashboard).flatMap((panel) =>
    panelTargets(panel)
      .filter(({ datasourceUid }) => datasourceUid === POSTGRES_DATASOURCE)
      .map(({ target }) => ({ name: `${file.split('/').at(-1)}: ${panel.title}`, title: panel.title, rawSql: target.rawSql ?? '', format: target.format })),
  ),
);

describe('Grafana Postgres panels on the gold marts', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('deploy-dashboard-sql');
    pipeline = await startPipeline(database);
    expect((await pipeline.materialize(PARTITION)).result.status).toBe('SUCCESS');
    expect((await pipeline.materialize(DAY, 'gold/daily_coin_summary')).result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('has Postgres panels, each with SQL', () => {
    expect(sqlPanels.length).toBeGreaterThanOrEqual(10);
    expect(sqlPanels.filter((panel) => panel.rawSql.trim() === '').map((panel) => panel.name)).toEqual([]);
  });

  it.each(sqlPanels)('$name: runs and returns rows', async ({ title, rawSql, format }) => {
    const rows = await querySql<Record<string, unknown>>(database, expandMacros(rawSql));
    if (!MAY_BE_EMPTY.has(title)) expect(rows.length).toBeGreaterThan(0);
    if (format === 'time_series') {
      for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['time', 'value']));
    }
  });

  it('the market-share pie is the top 10 plus "Others", which is never negative and completes the market total', async () => {
    const pie = sqlPanels.find((panel) => panel.title === 'Market share: top 10 and the rest');
    const rows = await querySql<{ metric: string; value: string }>(database, expandMacros(pie?.rawSql ?? ''));
    expect(rows).toHaveLength(11);
    expect(rows.at(-1)?.metric).toBe('Others');
    expect(rows.every((row) => Number(row.value) >= 0)).toBe(true);
    const [totals] = await querySql<{ global: string | null; snapshot: string }>(
      database,
      `SELECT (SELECT total_market_cap_usd FROM silver.global_snapshots ORDER BY snapshot_at DESC LIMIT 1) AS global,
              (SELECT sum(market_cap) FROM silver.market_snapshots) AS snapshot`,
    );
    const total = Math.max(Number(totals?.global ?? 0), Number(totals?.snapshot));
    expect(rows.reduce((sum, row) => sum + Number(row.value), 0) / total).toBeCloseTo(1, 9);
  });

  it('BTC and ETH dominance over time has one series per coin', async () => {
    const panel = sqlPanels.find((candidate) => candidate.title === 'BTC and ETH dominance over time');
    const rows = await querySql<{ metric: string }>(database, expandMacros(panel?.rawSql ?? ''));
    expect(rows.map((row) => row.metric).sort()).toEqual(['BTC', 'ETH']);
  });
});
