/**
 * Seeds a migrated database with the API bench's history (bench/api-seed-plan.ts) by COPY:
 * runs, run_assets, steps, then events, each streamed from a generator in 64 KiB chunks.
 *
 * Like a restore, the load drops the secondary indexes of those tables and disables their
 * triggers (the FK checks and NOTIFY of 0002) for its duration, then rebuilds the indexes from
 * their own definitions (so whatever the migrations declare, 0008's included, is rebuilt as
 * declared) and runs VACUUM ANALYZE: the state a long-lived, autovacuumed table is in.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CHECKS, createSeedPlan, type SeedPlan, type SeedRun } from './api-seed-plan.js';

const TABLES = ['strata.runs', 'strata.run_assets', 'strata.steps', 'strata.events'];
const CHUNK_CHARS = 64 * 1024;

export interface SeedOptions {
  readonly databaseUrl: string;
  readonly runs: number;
  readonly events: number;
  readonly endAt: Date;
  readonly log: (line: string) => void;
}

export interface SeedResult {
  readonly plan: SeedPlan;
  readonly counts: Readonly<Record<string, number>>;
  /** Seconds per phase: copy of each table, index rebuild, vacuum analyze. */
  readonly phases: ReadonlyArray<readonly [string, number]>;
  /** The run with the most events, and how many. */
  readonly heaviestRun: { readonly id: string; readonly events: number };
}

/** COPY text format: backslash, tab, newline and carriage return escaped; `\N` is NULL. */
function field(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const line = (values: ReadonlyArray<string | number | null>) => `${values.map(field).join('\t')}\n`;
const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const pgArray = (items: readonly string[]) => `{${items.join(',')}}`;

/** Yields the rows `rowsOf` makes for every run, joined into chunks. */
function* chunks(plan: SeedPlan, rowsOf: (run: SeedRun) => string): Generator<string> {
  let buffer = '';
  for (let index = 0; index < plan.runs; index++) {
    buffer += rowsOf(plan.run(index));
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}

function runRow(run: SeedRun): string {
  return line([
    run.id,
    run.status,
    run.trigger,
    run.selection,
    run.partitionKey,
    JSON.stringify(run.tags),
    run.parentRunId,
    run.attempt,
    iso(run.createdAt),
    iso(run.startedAt),
    iso(run.endedAt),
    run.error,
    pgArray(run.pools),
  ]);
}

function runAssetRows(run: SeedRun): string {
  return run.assets.map((assetKey) => line([run.id, assetKey, iso(run.createdAt)])).join('');
}

function stepRows(run: SeedRun): string {
  return run.steps
    .map((step) =>
      line([
        run.id,
        step.assetKey,
        run.partitionKey,
        step.status,
        step.startedAt === null ? 0 : 1,
        iso(step.startedAt),
        iso(step.endedAt),
        step.durationMs,
        step.status === 'FAILURE' ? run.error : null,
        step.status === 'SUCCESS' ? JSON.stringify({ rows: step.rows }) : '{}',
      ]),
    )
    .join('');
}

/**
 * The run's events in the order the executor writes them, with `logs` log lines from its
 * first step. Payload = the event without type, runId and at (as recordEvent stores it).
 */
function eventRows(run: SeedRun, logs: number): string {
  if (run.startedAt === null) return '';
  const out: string[] = [];
  const partition = run.partitionKey;
  const event = (type: string, at: Date, assetKey: string | null, level: string, message: string | null, payload: object) =>
    out.push(line([run.id, type, iso(at), assetKey, assetKey === null ? null : partition, level, message, JSON.stringify(payload)]));

  event('run:started', run.startedAt, null, 'info', null, {});
  let written = 0;
  const writeLogs = (at: Date, assetKey: string | null) => {
    for (; written < logs; written++) {
      const message = `fetched page ${written + 1} of /coins/markets`;
      event('log', at, assetKey, 'info', message, { level: 'info', message, assetKey, partition: assetKey === null ? null : partition, fields: { page: written + 1, rows: 250 } });
    }
  };
  for (const step of run.steps) {
    const { assetKey } = step;
    if (step.startedAt === null || step.endedAt === null) {
      if (step.status === 'SKIPPED') {
        const reason = 'an upstream step failed';
        event('step:skipped', run.endedAt ?? run.startedAt, assetKey, 'warn', reason, { assetKey, partition, reason });
      }
      continue;
    }
    event('step:started', step.startedAt, assetKey, 'info', null, { assetKey, partition, attempt: 1 });
    writeLogs(step.startedAt, assetKey);
    if (step.status === 'FAILURE') {
      const message = run.error ?? 'failed';
      event('step:failed', step.endedAt, assetKey, 'error', message, { assetKey, partition, attempt: 1, message, retryable: true, willRetry: false, retryInMs: null });
      continue;
    }
    const metadata = { rows: step.rows };
    event('asset:materialized', step.endedAt, assetKey, 'info', null, { assetKey, partition, value: { rows: step.rows }, metadata, durationMs: step.durationMs });
    for (const check of CHECKS[assetKey] ?? []) {
      event('check:evaluated', step.endedAt, assetKey, 'info', `check '${check}' passed`, { assetKey, partition, check, severity: 'warn', passed: true, message: null, metadata: {} });
    }
    event('step:succeeded', step.endedAt, assetKey, 'info', null, { assetKey, partition, durationMs: step.durationMs });
  }
  const end = run.endedAt ?? run.startedAt;
  // A run canceled before its first step logs from the run itself.
  writeLogs(end, null);
  const durationMs = end.getTime() - run.startedAt.getTime();
  if (run.status === 'SUCCESS') event('run:succeeded', end, null, 'info', null, { durationMs });
  else if (run.status === 'FAILURE') event('run:failed', end, null, 'error', run.error, { durationMs, message: run.error });
  else event('run:canceled', end, null, 'info', null, { durationMs });
  return out.join('');
}

/**
 * Log events per run so the total is exactly `events`: the heavy runs' forced logs, and the
 * rest shared by weight (a cumulative split, so the shares add up exactly).
 */
function logSharer(plan: SeedPlan, events: number): (run: SeedRun) => number {
  let structural = 0;
  let heavy = 0;
  let totalWeight = 0;
  for (let index = 0; index < plan.runs; index++) {
    const run = plan.run(index);
    structural += run.structuralEvents;
    heavy += run.heavyLogs;
    totalWeight += run.logWeight;
  }
  let lastWeighted = -1;
  for (let index = plan.runs - 1; index >= 0 && lastWeighted < 0; index--) if (plan.run(index).logWeight > 0) lastWeighted = index;
  const shared = events - structural - heavy;
  if (shared < 0) {
    throw new Error(`--events: ${plan.runs.toLocaleString('en-US')} runs write at least ${(structural + heavy).toLocaleString('en-US')} events; ask for that many or more`);
  }
  let weightSoFar = 0;
  let givenSoFar = 0;
  return (run) => {
    if (run.logWeight === 0) return run.heavyLogs;
    weightSoFar += run.logWeight;
    const upTo = run.index === lastWeighted ? shared : Math.floor((shared * weightSoFar) / totalWeight);
    const share = upTo - givenSoFar;
    givenSoFar = upTo;
    return run.heavyLogs + share;
  };
}

async function copy(client: pg.Client, statement: string, source: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(source), client.query(copyFrom(statement)));
}

async function timed<T>(phases: Array<readonly [string, number]>, name: string, log: (line: string) => void, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  phases.push([name, seconds]);
  log(`${name}: ${seconds.toFixed(1)} s`);
  return result;
}

export async function seedApiHistory(options: SeedOptions): Promise<SeedResult> {
  const plan = createSeedPlan(options.runs, options.endAt);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const phases: Array<readonly [string, number]> = [];
  const { log } = options;
  try {
    const logsOf = logSharer(plan, options.events);
    // run_assets arrived with migration 0008; a database without it is seeded without it.
    const hasRunAssets = (await client.query(`SELECT to_regclass('strata.run_assets') IS NOT NULL AS present`)).rows[0]?.present === true;
    const tables = TABLES.filter((table) => hasRunAssets || table !== 'strata.run_assets');
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'strata' AND i.tablename = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = 'strata'::regnamespace)`,
      [tables.map((table) => table.split('.')[1])],
    );
    for (const { indexname } of indexes.rows) await client.query(`DROP INDEX strata.${indexname}`);
    for (const table of tables) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);

    await timed(phases, `COPY ${plan.runs.toLocaleString('en-US')} runs`, log, () =>
      copy(
        client,
        `COPY strata.runs (id, status, trigger, selection, partition_key, tags, parent_run_id, attempt, created_at, started_at, ended_at, error, pools) FROM STDIN`,
        chunks(plan, runRow),
      ),
    );
    if (hasRunAssets) {
      await timed(phases, 'COPY run_assets', log, () => copy(client, `COPY strata.run_assets (run_id, asset_key, created_at) FROM STDIN`, chunks(plan, runAssetRows)));
    } else {
      log('no strata.run_assets (migration 0008): not seeded');
    }
    await timed(phases, 'COPY steps', log, () =>
      copy(
        client,
        `COPY strata.steps (run_id, asset_key, partition_key, status, attempts, started_at, ended_at, duration_ms, error, metadata) FROM STDIN`,
        chunks(plan, stepRows),
      ),
    );
    let heaviestRun = { id: '', events: 0 };
    await timed(phases, `COPY ${options.events.toLocaleString('en-US')} events`, log, () =>
      copy(
        client,
        `COPY strata.events (run_id, type, at, asset_key, partition_key, level, message, payload) FROM STDIN`,
        chunks(plan, (run) => {
          const logs = logsOf(run);
          const rows = eventRows(run, logs);
          const count = run.startedAt === null ? 0 : run.structuralEvents + logs;
          if (count > heaviestRun.events) heaviestRun = { id: run.id, events: count };
          return rows;
        }),
      ),
    );

    for (const table of tables) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);
    await timed(phases, `rebuild ${indexes.rows.length} indexes`, log, async () => {
      for (const { indexdef } of indexes.rows) await client.query(indexdef);
    });
    await timed(phases, 'VACUUM ANALYZE', log, async () => {
      for (const table of tables) await client.query(`VACUUM ANALYZE ${table}`);
    });

    const counts: Record<string, number> = {};
    for (const table of tables) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(result.rows[0]?.n);
    }
    return { plan, counts, phases, heaviestRun };
  } finally {
    await client.end();
  }
}
