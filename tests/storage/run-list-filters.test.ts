/**
 * listRuns filters against a naive filter of every run (property-based): any mix of statuses,
 * trigger, asset and time range, paged to the end, gives exactly the matching runs newest first.
 * More runs than ASSET_PROBE_WINDOW carry the asset, so the asset filter combined with a rare
 * status takes the fallback path too.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunStatus, RunTrigger } from '../../src/core/types.js';
import { ASSET_PROBE_WINDOW } from '../../src/storage/runs.js';
import { RUN_STATUSES, listRuns, type ListRunsOptions } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const TRIGGERS: readonly RunTrigger[] = ['manual', 'schedule', 'backfill', 'retry'];
const ASSETS = ['bronze/a', 'silver/b', 'gold/c'];
const RUNS = ASSET_PROBE_WINDOW + 600;
const START = Date.parse('2026-01-01T00:00:00Z');

interface SeededRun {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  createdAt: number;
  assets: string[];
}

describeEachBackend('runs list filters', (backend) => {
  let database: TestDatabase;
  let seeded: SeededRun[];

  beforeAll(async () => {
    database = await createTestDatabase('run_list_filters', { backend });
    // Mostly SUCCESS/schedule runs of every asset; rare CANCELED and FAILURE, some manual; two runs per millisecond at times.
    await sql`INSERT INTO strata.runs (status, trigger, selection, created_at)
      SELECT CASE WHEN i % 97 = 0 THEN 'CANCELED' WHEN i % 31 = 0 THEN 'FAILURE' WHEN i % 7 = 0 THEN 'QUEUED' ELSE 'SUCCESS' END,
        CASE WHEN i % 5 = 0 THEN 'manual' WHEN i % 11 = 0 THEN 'backfill' ELSE 'schedule' END,
        '*', ${new Date(START)}::timestamptz + (i / 2) * interval '1 second'
      FROM generate_series(1, ${RUNS}) AS i`.execute(database.db);
    await sql`INSERT INTO strata.run_assets (run_id, asset_key, created_at)
      SELECT id, key, created_at FROM strata.runs, unnest(${sql.val(ASSETS)}::text[]) AS key
      WHERE key = 'bronze/a' OR (key = 'silver/b' AND status <> 'QUEUED') OR (key = 'gold/c' AND trigger = 'manual')`.execute(database.db);
    const runs = await database.db.selectFrom('strata.runs').select(['id', 'status', 'trigger', 'created_at']).execute();
    const assets = await database.db.selectFrom('strata.run_assets').select(['run_id', 'asset_key']).execute();
    seeded = runs
      .map((run) => ({
        id: run.id,
        status: run.status,
        trigger: run.trigger,
        createdAt: run.created_at.getTime(),
        assets: assets.filter((row) => row.run_id === run.id).map((row) => row.asset_key),
      }))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  });

  afterAll(async () => {
    await database?.destroy();
  });

  const filters = fc.record(
    {
      status: fc.subarray([...RUN_STATUSES], { minLength: 1 }),
      trigger: fc.constantFrom(...TRIGGERS),
      assetKey: fc.constantFrom(...ASSETS, 'gold/none'),
      from: fc.integer({ min: 0, max: RUNS / 2 }).map((seconds) => new Date(START + seconds * 1000)),
      to: fc.integer({ min: 0, max: RUNS / 2 + 10 }).map((seconds) => new Date(START + seconds * 1000)),
    },
    { requiredKeys: [] },
  );

  it('pages through exactly the matching runs, newest first', async () => {
    await fc.assert(
      fc.asyncProperty(filters, fc.integer({ min: 20, max: 400 }), async (filter, limit) => {
        const expected = seeded
          .filter((run) => filter.status === undefined || filter.status.includes(run.status))
          .filter((run) => filter.trigger === undefined || run.trigger === filter.trigger)
          .filter((run) => filter.assetKey === undefined || run.assets.includes(filter.assetKey))
          .filter((run) => filter.from === undefined || run.createdAt >= filter.from.getTime())
          .filter((run) => filter.to === undefined || run.createdAt < filter.to.getTime())
          .map((run) => run.id);
        const got: string[] = [];
        let before: string | undefined;
        for (let pages = 0; pages < 1000; pages += 1) {
          const options: ListRunsOptions = { ...filter, limit, ...(before === undefined ? {} : { before }) };
          const page = await listRuns(database.db, options);
          got.push(...page.runs.map((run) => run.id));
          if (page.nextCursor === undefined) break;
          before = page.nextCursor;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('finds the rare runs of a common asset beyond the probe window', async () => {
    const page = await listRuns(database.db, { assetKey: 'bronze/a', status: 'CANCELED', trigger: 'manual', limit: 50 });
    const expected = seeded.filter((run) => run.status === 'CANCELED' && run.trigger === 'manual').map((run) => run.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(page.runs.map((run) => run.id)).toEqual(expected.slice(0, 50));
  });
});
