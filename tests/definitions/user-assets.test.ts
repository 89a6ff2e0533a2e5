/**
 * A user's project, loaded through STRATA_DEFINITIONS like any deployment's, on each engine: the
 * shipped pipeline included, one TypeScript mart with a check, one SQL asset and one schedule of
 * its own. Its assets behave exactly like the shipped ones: they run in the same runs, their
 * checks are recorded and served, their schedule is listed and ticks, a backfill covers them,
 * and the API and UI show them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackfill } from '../../src/daemon/backfill.js';
import { evaluateSchedule } from '../../src/daemon/evaluate-schedule.js';
import { executeStoredRun } from '../../src/daemon/execute-run.js';
import { buildApp } from '../../src/server/app.js';
import { latestMaterialization } from '../../src/storage/index.js';
import { createTestProject, STRATA, STRATA_PIPELINE, type TestProject } from '../helpers/definitions-project.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { querySql, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const EARLY = '2025-02-09T06:00Z';
const LATE = '2025-02-09T12:00Z';

const DEFINITIONS = `import { defineAsset, defineCheck, defineDefinitions, defineSchedule, sixHourlyPartitions, sql, type DefinitionsContext } from '${STRATA}';
import cryptoPipeline, { marketSnapshots } from '${STRATA_PIPELINE}';

interface Movers { readonly rows: number }

const movers = defineAsset<Movers, { marketSnapshots: typeof marketSnapshots }>({
  key: 'gold/user_movers',
  layer: 'gold',
  description: 'Coins that moved more than 5 % in 24 h, counted by the user.',
  deps: { marketSnapshots },
  partitions: sixHourlyPartitions,
  group: 'user_marts',
  owners: ['data-team'],
  checks: [
    defineCheck<Movers>({ name: 'some_movers', severity: 'warn', description: 'at least one mover', evaluate: async ({ value }) => ({ passed: value.rows > 0, message: \`\${value.rows} movers\` }) }),
  ],
  materialize: async (ctx) => {
    const { rows } = await sql<{ n: number }>\`SELECT count(*)::int AS n FROM silver.market_snapshots
      WHERE snapshot_at = \${ctx.partition?.start} AND abs(price_change_percentage_24h) > 5\`.execute(ctx.resources.database.db);
    return { value: { rows: rows[0]?.n ?? 0 }, metadata: { rows: rows[0]?.n ?? 0 } };
  },
});

const moversEveryHour = defineSchedule({ name: 'user_movers_hourly', cron: '0 * * * *', selection: 'gold/user_movers,gold/user_coin_count' });

export default (context: DefinitionsContext) =>
  defineDefinitions({ include: [cryptoPipeline(context)], assets: [movers], schedules: [moversEveryHour], sqlAssetDirs: ['sql'] });
`;

const SQL_ASSET = `-- asset: gold/user_coin_count
-- deps: silver/market_snapshots
-- description: Coins per snapshot, as a SQL asset.
-- group: user_marts
-- check: counted: SELECT * FROM {{ this }} WHERE partition_key = {{ partition_key }} AND coins = 0
SELECT count(*)::int AS coins FROM silver.market_snapshots WHERE snapshot_at = {{ partition_start }}
`;

describeEachBackend('a user project through STRATA_DEFINITIONS', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let project: TestProject;

  beforeAll(async () => {
    project = createTestProject('strata-user-assets-');
    const file = project.write('definitions.ts', DEFINITIONS);
    project.write('sql/user_coin_count.sql', SQL_ASSET);
    database = await createTestDatabase('user_assets', { backend });
    pipeline = await startPipeline(database, { env: { STRATA_DEFINITIONS: file, STRATA_HISTORY_COINS: '0' } });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
    project?.remove();
  });

  it('runs the user assets in the same run as the shipped ones, with their checks', async () => {
    const graph = pipeline.runtime.graph;
    expect(graph.upstream.get('gold/user_movers')).toEqual(['silver/market_snapshots']);
    expect(graph.upstream.get('gold/user_coin_count')).toEqual(['silver/market_snapshots']);
    const { result } = await pipeline.materialize(LATE);
    expect(result.status).toBe('SUCCESS');
    const steps = result.steps.map((step) => step.assetKey);
    expect(steps).toEqual(expect.arrayContaining(['silver/market_snapshots', 'gold/user_movers', 'gold/user_coin_count', 'gold/crypto_analytics_mart']));
    const movers = await latestMaterialization(database.db, 'gold/user_movers', LATE);
    expect(movers?.metadata.rows).toBeGreaterThan(0);
    const [count] = await querySql<{ coins: number }>(database, `SELECT coins FROM gold.user_coin_count WHERE partition_key = '${LATE}'`);
    expect(count?.coins).toBe(250);
  });

  it('serves them in the API and the UI like the shipped assets', async () => {
    const app = await buildApp({ runtime: pipeline.runtime });
    try {
      const checks = await app.inject({ method: 'GET', url: '/api/v1/assets/gold/user_movers/checks' });
      expect(checks.statusCode).toBe(200);
      expect(checks.body).toContain('some_movers');
      const sqlChecks = await app.inject({ method: 'GET', url: '/api/v1/assets/gold/user_coin_count/checks' });
      expect(sqlChecks.body).toContain('counted');
      const page = await app.inject({ method: 'GET', url: '/assets/gold/user_coin_count' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('SELECT count(*)::int AS coins FROM silver.market_snapshots');
      const schedules = await app.inject({ method: 'GET', url: '/api/v1/schedules' });
      expect(schedules.body).toContain('user_movers_hourly');
    } finally {
      await app.close();
    }
  });

  it('ticks their schedule and backfills them from stored silver', async () => {
    const schedule = pipeline.runtime.schedules.find((candidate) => candidate.name === 'user_movers_hourly');
    expect(schedule).toBeDefined();
    // The early partition first (its bronze is fetched at its scheduled time).
    expect((await pipeline.materialize(EARLY)).result.status).toBe('SUCCESS');
    pipeline.clock.at(LATE);
    // The first evaluation starts the schedule's cursor; an hour later its tick queues a run.
    const first = await evaluateSchedule(pipeline.runtime, schedule!, pipeline.clock.now(), pipeline.clock);
    expect(first.ticks).toEqual([]);
    const later = await evaluateSchedule(pipeline.runtime, schedule!, new Date(pipeline.clock.now().getTime() + 3_600_000), pipeline.clock);
    expect(later.ticks).toMatchObject([{ scheduleName: 'user_movers_hourly', claimed: true, status: 'SUCCESS' }]);
    expect(later.ticks[0]?.runId).toEqual(expect.any(String));

    const { runs } = await createBackfill(pipeline.runtime, { selection: 'gold/user_movers,gold/user_coin_count', from: EARLY, to: LATE });
    expect(runs.map((run) => run.partitionKey)).toEqual([EARLY, LATE]);
    for (const run of runs) expect((await executeStoredRun(pipeline.runtime, run)).status).toBe('SUCCESS');
    const rows = await querySql<{ partition_key: string }>(database, 'SELECT partition_key FROM gold.user_coin_count ORDER BY partition_key');
    expect(rows.map((row) => row.partition_key)).toEqual([EARLY, LATE]);
  });
});
