/**
 * The API bench's synthetic run history, as a pure function of the run's index: every COPY pass
 * (runs, run_assets, steps, events) regenerates the same run from its index, so nothing the
 * size of the history is ever held in memory.
 *
 * The mix is a busy deployment of the shipped pipeline over two years: daily and six-hourly
 * backfills of one asset, the two schedules, manual runs of an asset or a chain, and retries;
 * mostly SUCCESS, some FAILURE and CANCELED, a few QUEUED among the newest. A handful of runs
 * carry thousands of log events (a chatty asset), the rest about ten events each.
 */
import { dailyPartitions, sixHourlyPartitions } from '../src/core/partitions.js';
import { mulberry32 } from './random.js';

export const SIX_HOURLY_ASSETS = [
  'bronze/coingecko_markets',
  'bronze/coingecko_global',
  'silver/market_snapshots',
  'silver/global_snapshots',
  'gold/crypto_analytics_mart',
  'gold/market_segment_analysis',
] as const;

/** Check events a materialization of each asset emits (the shipped checks, roughly). */
const CHECKS: Readonly<Record<string, readonly string[]>> = {
  'bronze/coingecko_markets': ['not_empty', 'row_count_in_range', 'unique_coin_ids', 'manifest_checksums', 'no_missing_fields'],
  'silver/market_snapshots': ['price_within_24h_range', 'quarantine_ratio', 'last_updated_fresh'],
  'gold/crypto_analytics_mart': ['dominance_in_range', 'top_n_complete'],
  'gold/market_segment_analysis': ['segments_sum_to_total'],
  'gold/daily_coin_summary': ['primary_key_unique', 'non_negative_values'],
};

type Trigger = 'schedule' | 'manual' | 'backfill' | 'retry';
export type SeedRunStatus = 'SUCCESS' | 'FAILURE' | 'CANCELED' | 'QUEUED';

interface Template {
  readonly weight: number;
  readonly trigger: Trigger;
  readonly selection: string;
  readonly assets: readonly string[];
  readonly daily: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

const TEMPLATES: readonly Template[] = [
  { weight: 5, trigger: 'schedule', selection: SIX_HOURLY_ASSETS.join(','), assets: SIX_HOURLY_ASSETS, daily: false, tags: { schedule: 'every_6_hours' } },
  { weight: 10, trigger: 'schedule', selection: 'gold/daily_coin_summary', assets: ['gold/daily_coin_summary'], daily: true, tags: { schedule: 'daily' } },
  { weight: 30, trigger: 'backfill', selection: 'gold/daily_coin_summary', assets: ['gold/daily_coin_summary'], daily: true, tags: {} },
  { weight: 20, trigger: 'backfill', selection: 'silver/market_snapshots', assets: ['silver/market_snapshots'], daily: false, tags: {} },
  { weight: 6, trigger: 'manual', selection: 'silver/market_snapshots', assets: ['silver/market_snapshots'], daily: false, tags: {} },
  { weight: 4, trigger: 'manual', selection: 'bronze/coingecko_markets', assets: ['bronze/coingecko_markets'], daily: false, tags: {} },
  { weight: 3, trigger: 'manual', selection: 'gold/*', assets: ['gold/crypto_analytics_mart', 'gold/market_segment_analysis'], daily: false, tags: {} },
  {
    weight: 4,
    trigger: 'manual',
    selection: '+gold/crypto_analytics_mart',
    assets: ['bronze/coingecko_markets', 'silver/market_snapshots', 'gold/crypto_analytics_mart'],
    daily: false,
    tags: {},
  },
  { weight: 8, trigger: 'retry', selection: 'silver/market_snapshots', assets: ['silver/market_snapshots'], daily: false, tags: { schedule: 'every_6_hours' } },
  { weight: 10, trigger: 'backfill', selection: 'gold/market_segment_analysis', assets: ['gold/market_segment_analysis'], daily: false, tags: {} },
];
const TOTAL_WEIGHT = TEMPLATES.reduce((sum, t) => sum + t.weight, 0);

/** The heaviest runs' extra log events; the last is the run with the most events. */
const HEAVY_LOG_COUNTS = [1500, 2500, 3000, 4000, 5000, 6000, 8000, 10000];
/** The newest runs may still be waiting. */
const QUEUED_TAIL = 20;
const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;

export interface SeedStep {
  readonly assetKey: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'CANCELED';
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly durationMs: number | null;
  readonly rows: number;
}

export interface SeedRun {
  readonly index: number;
  readonly id: string;
  readonly status: SeedRunStatus;
  readonly trigger: Trigger;
  readonly selection: string;
  readonly partitionKey: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly parentRunId: string | null;
  readonly attempt: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly error: string | null;
  readonly pools: readonly string[];
  readonly assets: readonly string[];
  readonly steps: readonly SeedStep[];
  /** Events the run's lifecycle writes (run, step, materialization and check events). */
  readonly structuralEvents: number;
  /** Extra log events forced on the heaviest runs; 0 for the rest. */
  readonly heavyLogs: number;
  /** 0..1: this run's share of the remaining log events (0 for QUEUED runs). */
  readonly logWeight: number;
}

export interface SeedPlan {
  readonly runs: number;
  readonly endAt: Date;
  run(index: number): SeedRun;
  /** Indexes of the runs with forced thousands of events; the last has the most. */
  readonly heavyIndexes: readonly number[];
}

function hash32(index: number, salt: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex = (value: number, digits: number) => (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);

/** A v4-shaped uuid, unique per index (the index is its last 8 hex digits). */
export function runId(index: number): string {
  const a = hash32(index, 1);
  const b = hash32(index, 2);
  const c = hash32(index, 3);
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${hex(0x8000 | ((c >>> 16) & 0x3fff), 4)}-${hex(c, 4)}${hex(index, 8)}`;
}

function pick<T extends { weight: number }>(items: readonly T[], total: number, u: number): T {
  let left = u * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items.at(-1) as T;
}

export function createSeedPlan(runs: number, endAt: Date): SeedPlan {
  const startMs = endAt.getTime() - TWO_YEARS_MS;
  const spacing = TWO_YEARS_MS / runs;
  const heavyIndexes = HEAVY_LOG_COUNTS.map((_, k) => Math.floor(((k + 1) * (runs - QUEUED_TAIL - 1)) / (HEAVY_LOG_COUNTS.length + 1)));
  const heavyLogsOf = new Map(heavyIndexes.map((index, k) => [index, HEAVY_LOG_COUNTS[k] as number]));

  function run(index: number): SeedRun {
    const random = mulberry32(hash32(index, 7));
    const heavyLogs = heavyLogsOf.get(index) ?? 0;
    const template = heavyLogs > 0 ? (TEMPLATES[0] as Template) : pick(TEMPLATES, TOTAL_WEIGHT, random());
    const createdAt = new Date(Math.floor(startMs + index * spacing + random() * spacing * 0.9));
    const statusDraw = random();
    const status: SeedRunStatus =
      index >= runs - QUEUED_TAIL && statusDraw < 0.5 ? 'QUEUED' : heavyLogs > 0 || statusDraw < 0.9 ? 'SUCCESS' : statusDraw < 0.97 ? 'FAILURE' : 'CANCELED';
    // Backfills cover the past; everything else the window it was created in.
    const partitionTime = template.trigger === 'backfill' ? new Date(createdAt.getTime() - random() * 365 * 24 * 3600 * 1000) : createdAt;
    const partitionKey = template.daily ? dailyPartitions.keyFor(partitionTime) : sixHourlyPartitions.keyFor(partitionTime);
    const startedAt = status === 'QUEUED' ? null : new Date(createdAt.getTime() + 5 + Math.floor(random() * 200));

    const steps: SeedStep[] = [];
    let structuralEvents = 0;
    if (startedAt !== null) {
      const stopAt = status === 'SUCCESS' ? template.assets.length : Math.floor(random() * template.assets.length);
      let clock = startedAt.getTime();
      structuralEvents += 2;
      template.assets.forEach((assetKey, position) => {
        if (position < stopAt || (status === 'FAILURE' && position === stopAt)) {
          const durationMs = 20 + Math.floor(random() * (assetKey.startsWith('bronze/') ? 3000 : 400));
          const failed = position === stopAt;
          steps.push({ assetKey, status: failed ? 'FAILURE' : 'SUCCESS', startedAt: new Date(clock), endedAt: new Date(clock + durationMs), durationMs, rows: 1 + Math.floor(random() * 15000) });
          structuralEvents += failed ? 2 : 3 + (CHECKS[assetKey]?.length ?? 0);
          clock += durationMs + 2;
        } else {
          steps.push({ assetKey, status: status === 'CANCELED' ? 'CANCELED' : 'SKIPPED', startedAt: null, endedAt: null, durationMs: null, rows: 0 });
          if (status === 'FAILURE') structuralEvents += 1;
        }
      });
    }
    const lastEnd = steps.reduce((end, step) => Math.max(end, step.endedAt?.getTime() ?? 0), startedAt?.getTime() ?? 0);
    const failedStep = steps.find((step) => step.status === 'FAILURE');
    return {
      index,
      id: runId(index),
      status,
      trigger: template.trigger,
      selection: template.selection,
      partitionKey,
      tags: template.tags,
      parentRunId: template.trigger === 'retry' && index > 0 ? runId(index - 1) : null,
      attempt: template.trigger === 'retry' ? 2 : 1,
      createdAt,
      startedAt,
      endedAt: startedAt === null ? null : new Date(lastEnd + 3),
      error: failedStep ? `step ${failedStep.assetKey} failed: CoinGecko answered 503 Service Unavailable` : status === 'CANCELED' ? 'canceled by an operator' : null,
      pools: template.assets.some((key) => key.startsWith('bronze/')) ? ['coingecko'] : [],
      assets: template.assets,
      steps,
      structuralEvents,
      heavyLogs,
      logWeight: startedAt === null ? 0 : random() ** 2,
    };
  }

  return { runs, endAt, run, heavyIndexes };
}

export { CHECKS };
