/**
 * Declarative automation (issue 14), on a scratch Postgres database:
 *
 * - **latency**: the real automation loop (startAutomationLoop) woken by LISTEN/NOTIFY only
 *   (its fallback interval is an hour); another pool plays the worker: it commits an upstream
 *   materialization of `bronze/a` (with its step's success), then the run's end. Measured: from
 *   the materialization's commit to the commit of the eager `silver/b` run the loop requests.
 *   A new partition each time, so no earlier request is still in progress.
 * - **evaluation**: one evaluation of 500 assets × 100 six-hourly partitions: 20 sources, 240
 *   silver assets reading one source each, 240 gold assets reading two silver ones, all 480
 *   eager; the stored state has every partition materialized, then every source partition is
 *   materialized again (a backfill of the sources: 2,000 changes). The evaluation folds them,
 *   evaluates all 48,000 automated partitions, and requests 100 runs (one per partition key,
 *   480 assets each). Then the steady case: 100 ended runs make every automated partition
 *   evaluated again with nothing changed, by the same evaluator (its PartitionMemory is valid)
 *   and by a fresh one (cold). Measured at an empty history, then again after seeding 1,000,000 runs
 *   (with their run_assets and 2,000,000 events) with generate_series; the seeding time is shown.
 *
 *   npm run bench -- automation [--changes 60] [--rounds 3] [--runs 1000000] [--no-write]
 */
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { defineAsset, type AnyAsset } from '../src/core/asset.js';
import { automation } from '../src/core/automation/condition.js';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import { startAutomationLoop } from '../src/daemon/automation/automation-loop.js';
import { evaluateAutomation, type AutomationEvaluation } from '../src/daemon/automation/evaluate-automation.js';
import { PartitionMemory } from '../src/daemon/automation/partition-memory.js';
import { createRun, migrateToLatest, openDatabase, recordEvents, type StrataDatabase } from '../src/storage/index.js';
import { testRuntime } from '../tests/daemon/queue-harness.js';
import { positiveInteger } from './bench-args.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/automation.md', import.meta.url));
const INTRO = `# Automation bench

\`npm run bench -- automation\` (issue 14). Code: \`bench/automation.ts\`.

- **latency**: upstream materialization committed → eager downstream run committed, through
  the real automation loop woken by LISTEN/NOTIFY only (fallback interval one hour); the
  upstream run ends right after its step, as the executor does. Goal p95 < 1 s.
- **evaluation**: one evaluation of 500 assets × 100 partitions (480 eager), at an empty
  history and at 1,000,000 runs. Goal < 1 s, flat in history. **steady**: 100 ended runs make
  all 48,000 automated partitions evaluated, nothing changes; by the daemon that made the
  previous evaluation (it works from the partition rows it kept) and **cold** (another daemon:
  it reads them all). **everything changes**: every source partition re-materialized (2,000
  changes folded, 48,000 results change, 100 runs of 480 assets requested, one transaction).
- **Machine**: 2 shared, noisy cores; Node 20; Postgres on the same machine.`;

const ready = async () => ({ value: {} });

export const automationBench = {
  summary: 'declarative automation: upstream materialized → eager run queued (LISTEN/NOTIFY), one evaluation of 500 assets × 100 partitions at 0 and 1M runs',
  usage: [
    'automation [--changes N] [--rounds N] [--runs N] [--no-write]',
    '  --changes   upstream changes timed for the latency (default 60)',
    '  --rounds    evaluations timed at each history size (default 3)',
    '  --runs      history seeded for the second measurement (default 1,000,000)',
    '  --no-write  print only',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { changes: { type: 'string' }, rounds: { type: 'string' }, runs: { type: 'string' }, 'no-write': { type: 'boolean' } } });
    const changes = positiveInteger('--changes', values.changes, 60);
    const rounds = positiveInteger('--rounds', values.rounds, 3);
    const history = positiveInteger('--runs', values.runs, 1_000_000);
    const scratch = await createScratchDatabase(benchAdminUrl(), 'strata_bench_automation');
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: tmpdir(), maxConnections: 4 });
    const worker = await openDatabase({ databaseUrl: scratch.url, dataDir: tmpdir(), maxConnections: 2 });
    try {
      await migrateToLatest(database.db);
      const latency = await measureLatency(database, worker, changes);
      const evaluation = await measureEvaluations(database, rounds, history);
      const section = report(latency, evaluation, { changes, rounds, history });
      process.stdout.write(`${section}\n`);
      if (!values['no-write']) await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 5 });
    } finally {
      await worker.close();
      await database.close();
      await scratch.drop();
    }
  },
};

async function measureLatency(database: StrataDatabase, worker: StrataDatabase, changes: number): Promise<number[]> {
  const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'a', partitions: sixHourlyPartitions, materialize: ready });
  const b = defineAsset({ key: 'silver/b', layer: 'silver', description: 'b', partitions: sixHourlyPartitions, deps: { a }, automation: automation.eager(), materialize: ready });
  const runtime = testRuntime(database, { assets: [a, b], env: { STRATA_AUTOMATION_INTERVAL: '3600' } });
  let waiting: ((evaluation: AutomationEvaluation) => void) | undefined;
  const loop = await startAutomationLoop(runtime, { onEvaluation: (evaluation) => evaluation.runIds.length > 0 && waiting?.(evaluation) });
  const latencies: number[] = [];
  try {
    const first = sixHourlyPartitions.keyFor(new Date(Date.now() - (changes + 10) * 6 * 3_600_000));
    const partitions = sixHourlyPartitions.keysBetween(first, sixHourlyPartitions.keyFor(new Date())).slice(0, changes);
    for (const partition of partitions) {
      const run = await createRun(worker.db, { selection: 'bronze/a', partitionKey: partition, trigger: 'manual', assetKeys: ['bronze/a'] });
      await sql`UPDATE strata.runs SET status = 'STARTED', started_at = now() WHERE id = ${run.id}`.execute(worker.db);
      const requested = new Promise<AutomationEvaluation>((resolve) => (waiting = resolve));
      const at = new Date();
      await recordEvents(worker.db, [
        { type: 'asset:materialized', runId: run.id, at, assetKey: 'bronze/a', partition, value: {}, metadata: {}, durationMs: 1 },
        { type: 'step:succeeded', runId: run.id, at, assetKey: 'bronze/a', partition, durationMs: 1 },
      ]);
      const committed = performance.now();
      await recordEvents(worker.db, [{ type: 'run:succeeded', runId: run.id, at: new Date(), durationMs: 2 }]);
      const evaluation = await requested;
      latencies.push(performance.now() - committed);
      const [queued] = (await sql<{ partition_key: string; selection: string }>`SELECT partition_key, selection FROM strata.runs WHERE id = ${evaluation.runIds[0]}`.execute(database.db)).rows;
      if (queued?.partition_key !== partition || queued.selection !== 'silver/b') throw new Error(`expected a silver/b run of ${partition}, got ${JSON.stringify(queued)}`);
    }
  } finally {
    await loop.stop();
  }
  return latencies;
}

interface Timed {
  readonly worst: AutomationEvaluation[];
  readonly steady: AutomationEvaluation[];
  /** The steady evaluation again, by a daemon that did not make the previous one (it reads every row). */
  readonly steadyCold: AutomationEvaluation[];
}

interface EvaluationFigures {
  readonly empty: Timed;
  readonly full: Timed;
  readonly seedMs: number;
}

const SOURCES = 20;
const SILVER = 240;
const GOLD = 240;
const PARTITIONS = 100;

function scaleAssets(): AnyAsset[] {
  const sources = Array.from({ length: SOURCES }, (_, i) =>
    defineAsset({ key: `bronze/source_${i}`, layer: 'bronze', description: 's', partitions: sixHourlyPartitions, materialize: ready }),
  );
  const silver = Array.from({ length: SILVER }, (_, i) =>
    defineAsset({ key: `silver/clean_${i}`, layer: 'silver', description: 's', partitions: sixHourlyPartitions, deps: { source: sources[i % SOURCES] as AnyAsset }, automation: automation.eager(), materialize: ready }),
  );
  const gold = Array.from({ length: GOLD }, (_, i) =>
    defineAsset({
      key: `gold/mart_${i}`,
      layer: 'gold',
      description: 'g',
      partitions: sixHourlyPartitions,
      deps: { left: silver[i] as AnyAsset, right: silver[(i + 1) % SILVER] as AnyAsset },
      automation: automation.eager(),
      materialize: ready,
    }),
  );
  return [...sources, ...silver, ...gold];
}

async function measureEvaluations(database: StrataDatabase, rounds: number, history: number): Promise<EvaluationFigures> {
  const assets = scaleAssets();
  const runtime = testRuntime(database, { assets });
  const now = new Date();
  const last = sixHourlyPartitions.keyFor(new Date(now.getTime() - 6 * 3_600_000));
  const first = sixHourlyPartitions.keyFor(new Date(now.getTime() - PARTITIONS * 6 * 3_600_000));
  const partitions = sixHourlyPartitions.keysBetween(first, last);
  const touching = await seedTouchingRuns(database, assets, partitions);
  const timeRounds = async (): Promise<Timed> => {
    const times: Timed = { worst: [], steady: [], steadyCold: [] };
    for (let round = 0; round < rounds; round++) {
      // seedScenario rewrites the stored state behind the daemon's back and sets the cursor's
      // time, so the memory kept from the previous round is dropped: this one starts cold.
      const memory = new PartitionMemory();
      await seedScenario(database, assets, partitions, now);
      times.worst.push(await evaluateAutomation(runtime, { memory }));
      // The requested runs go away unrun; every partition is then evaluated twice more: once
      // to settle (its result changes), once more with nothing changed (what is timed).
      await sql`DELETE FROM strata.runs WHERE trigger = 'automation'`.execute(database.db);
      await sql`DELETE FROM strata.automation_changes`.execute(database.db);
      let steady: AutomationEvaluation | undefined;
      for (let pass = 0; pass < 2; pass++) {
        await touchEveryPartition(database, touching);
        steady = await evaluateAutomation(runtime, { memory });
      }
      times.steady.push(steady as AutomationEvaluation);
      await touchEveryPartition(database, touching);
      times.steadyCold.push(await evaluateAutomation(runtime, { memory: new PartitionMemory() }));
    }
    return times;
  };
  const empty = await timeRounds();
  const seedStarted = performance.now();
  await seedHistory(database, history);
  const seedMs = performance.now() - seedStarted;
  const full = await timeRounds();
  return { empty, full, seedMs };
}

/** One ended run per partition that selected every asset: its 'run_ended' change makes all 48,000 automated partitions dirty. */
async function seedTouchingRuns(database: StrataDatabase, assets: readonly AnyAsset[], partitions: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const partition of partitions) {
    const run = await createRun(database.db, { selection: '*', partitionKey: partition, trigger: 'manual', assetKeys: assets.map((asset) => asset.key) });
    await sql`UPDATE strata.runs SET status = 'SUCCESS', ended_at = now() WHERE id = ${run.id}`.execute(database.db);
    ids.push(run.id);
  }
  return ids;
}

async function touchEveryPartition(database: StrataDatabase, runIds: readonly string[]): Promise<void> {
  await sql`INSERT INTO strata.automation_changes (kind, partition_key, run_id, at)
    SELECT 'run_ended', r.partition_key, r.id, now() FROM strata.runs r WHERE r.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(runIds)}::jsonb))`.execute(database.db);
}

/**
 * Every asset partition materialized an hour ago, the conditions already recorded, then every
 * source partition materialized again now: the change feed holds 2,000 materializations.
 */
async function seedScenario(database: StrataDatabase, assets: readonly AnyAsset[], partitions: readonly string[], now: Date): Promise<void> {
  const { db } = database;
  const hourAgo = new Date(now.getTime() - 3_600_000);
  await sql`DELETE FROM strata.runs WHERE trigger = 'automation'`.execute(db);
  await sql`TRUNCATE strata.automation_changes, strata.automation_partitions, strata.automation_assets, strata.automation_results, strata.automation_evaluations`.execute(db);
  const keys = JSON.stringify(assets.map((asset) => asset.key));
  const keysOfPartitions = JSON.stringify(partitions);
  await sql`INSERT INTO strata.automation_partitions (asset_key, partition_key, materialized_at, condition, value, reason)
    SELECT a.value, p.value, ${hourAgo}, CASE WHEN a.value LIKE 'bronze/%' THEN NULL ELSE 'eager()' END, CASE WHEN a.value LIKE 'bronze/%' THEN NULL ELSE false END, 'up to date'
    FROM jsonb_array_elements_text(${keys}::jsonb) a, jsonb_array_elements_text(${keysOfPartitions}::jsonb) p`.execute(db);
  const latest = sixHourlyPartitions.keyFor(now);
  await sql`INSERT INTO strata.automation_assets (asset_key, condition, latest_partition, evaluated_at)
    SELECT a.value, 'eager()', ${latest}, ${hourAgo} FROM jsonb_array_elements_text(${keys}::jsonb) a WHERE a.value NOT LIKE 'bronze/%'`.execute(db);
  await sql`UPDATE strata.automation_cursor SET evaluated_at = ${now}`.execute(db);
  const run = await createRun(db, { selection: 'bronze/source_0', partitionKey: partitions[0] as string, trigger: 'backfill', assetKeys: [] });
  await sql`UPDATE strata.runs SET status = 'SUCCESS', ended_at = now() WHERE id = ${run.id}`.execute(db);
  await sql`DELETE FROM strata.automation_changes`.execute(db);
  await sql`INSERT INTO strata.automation_changes (kind, asset_key, partition_key, run_id, at)
    SELECT 'materialized', a.value, p.value, ${run.id}, ${now}
    FROM jsonb_array_elements_text(${keys}::jsonb) a, jsonb_array_elements_text(${keysOfPartitions}::jsonb) p WHERE a.value LIKE 'bronze/%'`.execute(db);
}

/** `count` ended runs over the past year, each with a run_assets row and two events; triggers off (no change feed). */
async function seedHistory(database: StrataDatabase, count: number): Promise<void> {
  await database.withSession(async (session) => {
    await session.query(`SET LOCAL session_replication_role = replica`);
    await session.query(`INSERT INTO strata.runs (id, status, trigger, selection, partition_key, created_at, started_at, ended_at)
      SELECT gen_random_uuid(), 'SUCCESS', 'schedule', 'bronze/source_' || (i % 20), NULL,
             now() - (i || ' seconds')::interval * 30, now() - (i || ' seconds')::interval * 30, now() - (i || ' seconds')::interval * 30 + interval '5 seconds'
      FROM generate_series(1, ${count}) AS i`);
    await session.query(`INSERT INTO strata.run_assets (run_id, asset_key, created_at)
      SELECT id, selection, created_at FROM strata.runs WHERE trigger = 'schedule'`);
    await session.query(`INSERT INTO strata.events (run_id, type, at, asset_key, partition_key, payload)
      SELECT id, t.type, ended_at, selection, NULL, '{}'::jsonb FROM strata.runs, (VALUES ('asset:materialized'), ('run:succeeded')) AS t(type) WHERE trigger = 'schedule'`);
  });
  await sql`ANALYZE`.execute(database.db);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const ms = (value: number) => `${Math.round(value)} ms`;

function report(latency: readonly number[], evaluation: EvaluationFigures, options: { changes: number; rounds: number; history: number }): string {
  const goal = (value: number, limit: number) => (value < limit ? 'met' : 'NOT met');
  const row = (label: string, evaluations: readonly AutomationEvaluation[]) => {
    const median = medianOf(evaluations);
    const times = evaluations.map((e) => e.durationMs);
    const { read, evaluate, write } = median.phasesMs;
    return `| ${label} | ${ms(median.durationMs)} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} | ${ms(read)} / ${ms(evaluate)} / ${ms(write)} | ${goal(median.durationMs, 1000)} |`;
  };
  const historyLabel = `${options.history.toLocaleString('en-US')} runs`;
  const worst = evaluation.full.worst.at(-1) as AutomationEvaluation;
  const steady = evaluation.full.steady.at(-1) as AutomationEvaluation;
  return [
    `## Run ${new Date().toISOString()}`,
    '',
    `Upstream materialized → eager downstream run committed (${options.changes} changes, LISTEN/NOTIFY, real loop):`,
    `p50 ${ms(percentile(latency, 50))}, p95 ${ms(percentile(latency, 95))}, max ${ms(Math.max(...latency))} (goal p95 < 1 s: ${goal(percentile(latency, 95), 1000)}).`,
    '',
    `One evaluation of 500 assets × 100 partitions, ${options.rounds} rounds each (duration as the evaluator measures it: snapshot read, evaluation, the one write transaction):`,
    '',
    `- **steady**: ${steady.changesRead} changes (ended runs of every partition) make all ${steady.partitionsEvaluated.toLocaleString('en-US')} automated partitions evaluated; ${steady.partitionsChanged} results change, ${steady.runIds.length} runs requested. By the daemon that made the previous evaluation (its kept rows are valid), and **cold**: by another daemon (it reads every row).`,
    `- **everything changes**: every source partition re-materialized (${worst.changesRead.toLocaleString('en-US')} changes): ${worst.partitionsEvaluated.toLocaleString('en-US')} evaluated, ${worst.partitionsChanged.toLocaleString('en-US')} results change (each a history row and a state write), ${worst.runIds.length} runs of 480 assets requested, all in one transaction; cold (the stored state was rewritten behind the daemon).`,
    '',
    '| evaluation, history | median | min | max | read / evaluate / write (median) | goal < 1 s |',
    '|---|---|---|---|---|---|',
    row('steady, empty history', evaluation.empty.steady),
    row(`steady, ${historyLabel}`, evaluation.full.steady),
    row('steady cold, empty history', evaluation.empty.steadyCold),
    row(`steady cold, ${historyLabel}`, evaluation.full.steadyCold),
    row('everything changes, empty history', evaluation.empty.worst),
    row(`everything changes, ${historyLabel}`, evaluation.full.worst),
    '',
    `Seeding ${historyLabel} with their run_assets and ${(2 * options.history).toLocaleString('en-US')} events (generate_series, triggers off) and ANALYZE: ${(evaluation.seedMs / 1000).toFixed(1)} s.`,
  ].join('\n');
}

function medianOf(evaluations: readonly AutomationEvaluation[]): AutomationEvaluation {
  const sorted = [...evaluations].sort((x, y) => x.durationMs - y.durationMs);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length / 2) - 1))] as AutomationEvaluation;
}
