/**
 * STRATA_GOLD_AUTOMATION: off (default) keeps today's behaviour, the six-hourly gold marts on
 * the every-6-hours schedule; eager gives them `automation.eager()` through the public API and
 * the schedule stops selecting them, so silver updating requests one gold run.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { evaluateAutomation } from '../../src/daemon/automation/evaluate-automation.js';
import { validateDefinitions } from '../../src/definitions/load-definitions.js';
import cryptoPipeline from '../../src/pipeline/index.js';
import { createRun, recordEvents } from '../../src/storage/index.js';
import { automationRuns, automationRuntime } from '../daemon/automation/automation-harness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const SIX_HOURLY_GOLD = ['gold/crypto_analytics_mart', 'gold/market_segment_analysis', 'gold/source_reconciliation'];

async function shipped(env: Record<string, string>) {
  const config = loadConfig({ STRATA_DATA_DIR: '/nonexistent', ...env });
  return validateDefinitions(cryptoPipeline({ config }), 'pipeline/index.ts', config);
}

describe('STRATA_GOLD_AUTOMATION', () => {
  it('off by default: no asset has a condition and the six-hourly schedule selects the gold marts', async () => {
    const loaded = await shipped({});
    expect([...loaded.graph.assets.values()].filter((asset) => asset.automation !== undefined)).toEqual([]);
    const selection = loaded.schedules.find((schedule) => schedule.name === 'every_6_hours')?.selection.split(',');
    expect(selection).toEqual(expect.arrayContaining(SIX_HOURLY_GOLD));
  });

  it('eager: the six-hourly gold marts are eager() and the schedule runs bronze and silver only', async () => {
    const loaded = await shipped({ STRATA_GOLD_AUTOMATION: 'eager' });
    const automated = [...loaded.graph.assets.values()].filter((asset) => asset.automation !== undefined);
    expect(automated.map((asset) => [asset.key, asset.automation?.label]).sort()).toEqual(SIX_HOURLY_GOLD.map((key) => [key, 'eager()']));
    const selection = loaded.schedules.find((schedule) => schedule.name === 'every_6_hours')?.selection.split(',') ?? [];
    expect(selection.filter((key) => key.startsWith('gold/'))).toEqual([]);
    expect(selection).toEqual(expect.arrayContaining(['bronze/coingecko_markets', 'silver/market_snapshots', 'silver/global_snapshots']));
    expect(loaded.graph.nodes.find((node) => node.key === 'gold/crypto_analytics_mart')?.automation).toBe('eager()');
  });

  describe('eager, evaluated', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('gold_automation');
    });
    afterAll(async () => database?.destroy());

    it('silver updating for a partition requests one run of the gold marts for it, with the reason', async () => {
      const loaded = await shipped({ STRATA_GOLD_AUTOMATION: 'eager' });
      const clock = new ManualClock(new Date('2026-03-02T06:05:00Z'));
      const runtime = automationRuntime(database, clock, [...loaded.graph.assets.values()]);
      await evaluateAutomation(runtime);
      const partition = '2026-03-02T06:00Z';
      const silver = ['silver/market_snapshots', 'silver/global_snapshots', 'silver/market_quotes'].filter((key) => loaded.graph.assets.has(key));
      const run = await createRun(database.db, { selection: silver.join(','), partitionKey: partition, trigger: 'schedule', assetKeys: silver });
      await recordEvents(
        database.db,
        silver.map((assetKey) => ({ type: 'asset:materialized' as const, runId: run.id, at: new Date('2026-03-02T06:03:00Z'), assetKey, partition, value: {}, metadata: {}, durationMs: 1 })),
      );
      await sql`UPDATE strata.runs SET status = 'SUCCESS', ended_at = now() WHERE id = ${run.id}`.execute(database.db);
      clock.set(new Date('2026-03-02T06:06:00Z'));
      const evaluation = await evaluateAutomation(runtime);
      expect(evaluation.runIds).toHaveLength(1);
      const [requested] = await automationRuns(database.db);
      expect(requested?.partition_key).toBe(partition);
      expect(requested?.selection.split(',').sort()).toEqual(SIX_HOURLY_GOLD);
      const reason = await sql<{ reason: string }>`SELECT reason FROM strata.automation_partitions WHERE asset_key = 'gold/crypto_analytics_mart'`.execute(database.db);
      expect(reason.rows[0]?.reason).toMatch(/^upstream silver\/(market_snapshots|global_snapshots) updated at 2026-03-02 06:03:00Z/);
    });
  });
});
