/**
 * The only module that reads `process.env`. Parsed once with zod at start-up, then passed
 * down as a frozen, typed object. A bad value is an error naming the variable.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { ScheduleOverride } from './core/schedule.js';
import { MIN_SENSOR_INTERVAL_SECONDS } from './core/sensor.js';
import { MAX_CONCURRENT_STEPS, MAX_RUN_RETRIES } from './core/types.js';

export type CoinGeckoPlan = 'public' | 'demo' | 'pro';

/** Host, key header and default rate limit for each CoinGecko plan. */
export const COINGECKO_PLANS: Readonly<
  Record<CoinGeckoPlan, { baseUrl: string; keyHeader: string | null; ratePerMinute: number }>
> = Object.freeze({
  public: { baseUrl: 'https://api.coingecko.com/api/v3', keyHeader: null, ratePerMinute: 10 },
  demo: { baseUrl: 'https://api.coingecko.com/api/v3', keyHeader: 'x-cg-demo-api-key', ratePerMinute: 30 },
  pro: { baseUrl: 'https://pro-api.coingecko.com/api/v3', keyHeader: 'x-cg-pro-api-key', ratePerMinute: 500 },
});

export interface CoinGeckoConfig {
  readonly plan: CoinGeckoPlan;
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly rateLimitPerMinute: number;
  /** The rolling window `rateLimitPerMinute` counts in: a minute, unless a plan or gateway counts another span. */
  readonly rateLimitWindowMs: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

/** Market-data sources Strata can ingest; CoinGecko is always on (its ids are the unified ids). */
export const SOURCES = ['coingecko', 'coinpaprika'] as const;
export type SourceName = (typeof SOURCES)[number];

export interface CoinPaprikaConfig {
  readonly baseUrl: string;
  /** Sent as the `Authorization` header (CoinPaprika's paid plans); undefined: the free API. */
  readonly apiKey: string | undefined;
  readonly rateLimitPerMinute: number;
  /** The rolling window `rateLimitPerMinute` counts in (see CoinGeckoConfig). */
  readonly rateLimitWindowMs: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

/** CoinPaprika's free API, and the Pro host its keys are for. */
export const COINPAPRIKA_FREE_URL = 'https://api.coinpaprika.com/v1';
export const COINPAPRIKA_PRO_URL = 'https://api-pro.coinpaprika.com/v1';



export interface Config {
  /** Postgres connection string; when absent, embedded PGlite under `dataDir/pglite`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How many coins `bronze/coingecko_markets` fetches (pages of 250). */
  readonly coins: number;
  /** How many coins, by market-cap rank, gold/crypto_analytics_mart holds. */
  readonly martTopN: number;
  /** The most rows silver/market_snapshots may quarantine, in percent of a partition, before its check fails the run. */
  readonly maxQuarantinePct: number;
  readonly coingecko: CoinGeckoConfig;
  /** Sources ingested on the six-hourly schedule; always includes `coingecko`. */
  readonly sources: readonly SourceName[];
  readonly coinpaprika: CoinPaprikaConfig;
  /** How many coins (top by market-cap rank) bronze/coingecko_price_history keeps daily history for; 0: off. */
  readonly historyCoins: number;
  /** gold/source_reconciliation flags a coin whose sources' prices differ by more than this, in percent. */
  readonly reconciliationThresholdPct: number;
  /** The market-data API's page size when a request names none, and the most a request may ask for. */
  readonly marketApi: { readonly defaultPageSize: number; readonly maxPageSize: number };
  /** Port of the /metrics listener of `strata worker` and `strata daemon`; undefined: none. */
  readonly metricsPort: number | undefined;
  /** Runs executing at once across all workers. */
  readonly maxConcurrentRuns: number;
  /** Steps of one run executing at once (`STRATA_MAX_CONCURRENT_STEPS`; a run's `strata/max_concurrent_steps` tag overrides it); 1: one at a time. */
  readonly maxConcurrentSteps: number;
  /** A run whose worker has not heartbeated for this long is failed by the monitor. */
  readonly heartbeatTimeoutMs: number;
  /**
   * Run retries of every new run (manual, schedule, backfill) unless its request or schedule says
   * otherwise: how many times a run whose worker was lost (heartbeat timed out, or shut down
   * mid-run) is queued again, resuming from failure. Step failures follow the asset's retry policy.
   */
  readonly runMaxRetries: number;
  /** On SIGTERM, how long in-flight steps may run on before their runs are re-queued. */
  readonly shutdownGraceMs: number;
  /** How long one sensor evaluation (or run-status handler) may take before it is recorded as failed (`STRATA_SENSOR_TIMEOUT`). */
  readonly sensorTimeoutMs: number;
  /** Size of each named pool (`STRATA_POOL_<NAME>`), e.g. `{ coingecko: 1 }`. */
  readonly poolSizes: Readonly<Record<string, number>>;
  /** Operator overrides of schedules defined in code (`STRATA_SCHEDULE_<NAME>_CRON` / `_TZ` / `_MAX_RETRIES`). */
  readonly scheduleOverrides: Readonly<Record<string, ScheduleOverride>>;
  /** Runs (with their steps and events), ticks and ended processes older than this are purged. */
  readonly retentionDays: number;
  /** Bronze partitions whose day is older than this are deleted; undefined: bronze is kept forever. */
  readonly bronzeRetentionDays: number | undefined;
  /** Required for every mutation (API: Bearer; UI: login). Undefined: mutations from loopback only. */
  readonly adminToken: string | undefined;
  /** Mutations (and login attempts) each client may make per minute. */
  readonly mutationsPerMinute: number;
  /** The definitions module every process loads (`STRATA_DEFINITIONS`); undefined: the shipped crypto pipeline. */
  readonly definitionsFile: string | undefined;
  /** A folder of SQL-file assets (`STRATA_SQL_ASSETS_DIR`), besides those a definitions module names. */
  readonly sqlAssetsDir: string | undefined;
  /** The CSV inbox: files dropped in `<dir>/<source>/` are imported by the csv_inbox sensor, which looks every `intervalSeconds`. */
  readonly inbox: { readonly dir: string; readonly intervalSeconds: number };
  /** Where people reach the web UI (`STRATA_PUBLIC_URL`), for links written outside it; default http://HOST:PORT. */
  readonly publicUrl: string;
  /**
   * How often the daemon evaluates automation conditions when nothing wakes it
   * (`STRATA_AUTOMATION_INTERVAL`): materializations and runs wake it at once, so this
   * only bounds how late a missed wake-up (or a cron tick) is noticed.
   */
  readonly automationIntervalMs: number;
  /**
   * How the shipped six-hourly gold marts run (`STRATA_GOLD_AUTOMATION`): `off`, on the
   * every-6-hours schedule with bronze and silver; `eager`, by declarative automation as soon
   * as silver has updated, and the schedule selects bronze and silver only.
   */
  readonly goldAutomation: 'off' | 'eager';
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
/** 100000 as `100,000`: the ranges in messages read like the README's. */
const formatLimit = (value: number) => value.toLocaleString('en-US');

// Each setting's schema says the form it expects in one message (zod's own, "expected number,
// received NaN", names neither the setting nor the form); loadConfig adds the variable and the value.
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const int = (min: number, max: number, what = 'a whole number') => {
  const error = `expected ${what} from ${formatLimit(min)} to ${formatLimit(max)}`;
  return z.preprocess(emptyAsUndefined, z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional());
};
const percentage = (above: 'from 0' | 'above 0', max: number) => {
  const error = `expected a percentage ${above === 'from 0' ? 'from 0 to' : 'above 0, at most'} ${formatLimit(max)}`;
  const number = z.coerce.number({ error });
  return z.preprocess(emptyAsUndefined, (above === 'from 0' ? number.min(0, { error }) : number.gt(0, { error })).max(max, { error }).optional());
};
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(emptyAsUndefined, z.enum(values, { error: `expected one of ${values.join(', ')}` }).optional());
const httpUrl = (example: string) =>
  z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, error: `expected an http:// or https:// URL such as ${example}` }).optional(),
  );
/** A Postgres connection string; anything else would reach the driver and fail as a DNS error. */
const postgresUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), {
      error: 'expected a postgres:// URL such as postgres://user:password@localhost:5432/strata',
    })
    .optional(),
);
const port = int(0, 65_535, 'a port number');
/** Seconds as a decimal (`0.5`): sensors are evaluated more often than once a second. */
const seconds = (min: number, max: number) => {
  const error = `expected a number of seconds from ${min} to ${formatLimit(max)}`;
  return z.preprocess(emptyAsUndefined, z.coerce.number({ error }).min(min, { error }).max(max, { error }).optional());
};

const EnvSchema = z.object({
  DATABASE_URL: postgresUrl,
  STRATA_DATA_DIR: optionalString,
  HOST: optionalString,
  PORT: port,
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  STRATA_COINS: int(1, 100_000),
  STRATA_MART_TOP_N: int(1, 10_000),
  STRATA_MAX_QUARANTINE_PCT: percentage('from 0', 100),
  COINGECKO_PLAN: oneOf(['public', 'demo', 'pro']),
  COINGECKO_BASE_URL: httpUrl('http://127.0.0.1:8787/api/v3'),
  COINGECKO_API_KEY: optionalString,
  COINGECKO_RATE_LIMIT_PER_MINUTE: int(1, 100_000),
  COINGECKO_RATE_LIMIT_WINDOW_MS: int(100, 3_600_000, 'a number of milliseconds'),
  COINGECKO_TIMEOUT_MS: int(100, 600_000, 'a number of milliseconds'),
  COINGECKO_MAX_RETRIES: int(0, 20),
  STRATA_SOURCES: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((value) => value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))
      .pipe(z.array(z.enum(SOURCES, { error: `expected a comma-separated list of ${SOURCES.join(', ')}` })))
      .optional(),
  ),
  COINPAPRIKA_BASE_URL: httpUrl('http://127.0.0.1:8788/v1'),
  COINPAPRIKA_API_KEY: optionalString,
  COINPAPRIKA_RATE_LIMIT_PER_MINUTE: int(1, 100_000),
  COINPAPRIKA_RATE_LIMIT_WINDOW_MS: int(100, 3_600_000, 'a number of milliseconds'),
  COINPAPRIKA_TIMEOUT_MS: int(100, 600_000, 'a number of milliseconds'),
  COINPAPRIKA_MAX_RETRIES: int(0, 20),
  STRATA_HISTORY_COINS: int(0, 1_000),
  STRATA_RECONCILIATION_THRESHOLD_PCT: percentage('above 0', 1_000),
  STRATA_MARKET_API_PAGE_SIZE: int(1, 10_000),
  STRATA_MARKET_API_MAX_PAGE_SIZE: int(1, 10_000),
  STRATA_METRICS_PORT: z.preprocess(
    emptyAsUndefined,
    z.union([z.literal('off'), z.coerce.number().int().min(0).max(65_535)], { error: "expected 'off' or a port number from 0 to 65,535" }).optional(),
  ),
  STRATA_MAX_CONCURRENT_RUNS: int(1, 1_000),
  STRATA_MAX_CONCURRENT_STEPS: int(1, MAX_CONCURRENT_STEPS),
  STRATA_HEARTBEAT_TIMEOUT: int(1, 86_400, 'a number of seconds'),
  STRATA_RUN_MAX_RETRIES: int(0, MAX_RUN_RETRIES),
  STRATA_SHUTDOWN_GRACE: int(0, 86_400, 'a number of seconds'),
  STRATA_SENSOR_TIMEOUT: int(1, 3_600, 'a number of seconds'),
  STRATA_RETENTION_DAYS: int(1, 36_500, 'a number of days'),
  STRATA_AUTOMATION_INTERVAL: int(1, 86_400, 'a number of seconds'),
  STRATA_GOLD_AUTOMATION: oneOf(['off', 'eager']),
  STRATA_MUTATIONS_PER_MINUTE: int(1, 1_000_000),
  STRATA_DEFINITIONS: optionalString,
  STRATA_SQL_ASSETS_DIR: optionalString,
  STRATA_INBOX_INTERVAL: seconds(MIN_SENSOR_INTERVAL_SECONDS, 86_400),
  STRATA_PUBLIC_URL: httpUrl('https://strata.example.com'),
  STRATA_ADMIN_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().min(16, { error: 'expected 16 to 512 characters' }).max(512, { error: 'expected 16 to 512 characters' }).optional(),
  ),
  STRATA_BRONZE_RETENTION_DAYS: z.preprocess(
    (value) => (typeof value === 'string' ? emptyAsUndefined(value.trim().toLowerCase()) : value),
    z.union([z.literal('keep'), z.coerce.number().int().min(1).max(36_500)], { error: "expected 'keep' or a number of days from 1 to 36,500" }).optional(),
  ),
});

/**
 * Every setting that holds a secret: its variable and where it sits in Config. The logger redacts
 * each (the Config path, the variable) wherever it is logged; a new secret added here is redacted
 * everywhere, and tests/secret-redaction.test.ts fails for a secret-looking variable left out.
 */
export const SECRET_SETTINGS = Object.freeze([
  { variable: 'DATABASE_URL', path: ['databaseUrl'] },
  { variable: 'STRATA_ADMIN_TOKEN', path: ['adminToken'] },
  { variable: 'COINGECKO_API_KEY', path: ['coingecko', 'apiKey'] },
  { variable: 'COINPAPRIKA_API_KEY', path: ['coinpaprika', 'apiKey'] },
] as const satisfies readonly { variable: EnvVariable; path: readonly string[] }[]);

/** Every environment variable loadConfig reads by name (beside the STRATA_POOL_* and STRATA_SCHEDULE_* families). */
export type EnvVariable = keyof typeof EnvSchema.shape;
export const ENV_VARIABLES: readonly EnvVariable[] = Object.freeze(Object.keys(EnvSchema.shape) as EnvVariable[]);

/** Pools every deployment has unless overridden: two runs never hit one provider's API at once. */
const DEFAULT_POOL_SIZES: Readonly<Record<string, number>> = { coingecko: 1, coinpaprika: 1 };

const POOL_VARIABLE = /^STRATA_POOL_([A-Z0-9_]+)$/;
const SCHEDULE_VARIABLE = /^STRATA_SCHEDULE_([A-Z0-9_]+)_(CRON|TZ|MAX_RETRIES)$/;

/** Names in variables are upper case; pools and schedules are snake_case in code. */
function nameFromVariable(name: string): string {
  return name.toLowerCase();
}

function parsePoolSizes(env: Readonly<Record<string, string | undefined>>, problems: string[]): Record<string, number> {
  const sizes: Record<string, number> = { ...DEFAULT_POOL_SIZES };
  for (const [variable, value] of Object.entries(env)) {
    const match = POOL_VARIABLE.exec(variable);
    if (!match || value === undefined || value === '') continue;
    const size = Number(value);
    if (!Number.isInteger(size) || size < 1) problems.push(`${variable}: expected a pool size (an integer >= 1), got '${value}'`);
    else sizes[nameFromVariable(match[1] as string)] = size;
  }
  return sizes;
}

function parseScheduleOverrides(env: Readonly<Record<string, string | undefined>>, problems: string[]): Record<string, ScheduleOverride> {
  const overrides: Record<string, { cron?: string; timezone?: string; maxRetries?: number }> = {};
  for (const [variable, value] of Object.entries(env)) {
    const match = SCHEDULE_VARIABLE.exec(variable);
    if (!match || value === undefined || value.trim() === '') continue;
    const name = nameFromVariable(match[1] as string);
    const override = (overrides[name] ??= {});
    if (match[2] === 'CRON') override.cron = value.trim();
    else if (match[2] === 'TZ') override.timezone = value.trim();
    else {
      const retries = Number(value.trim());
      if (Number.isInteger(retries) && retries >= 0 && retries <= MAX_RUN_RETRIES) override.maxRetries = retries;
      else problems.push(`${variable}: expected a number of run retries (an integer from 0 to ${MAX_RUN_RETRIES}), got '${value}'`);
    }
  }
  return overrides;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

const SECRET_VARIABLES: ReadonlySet<string> = new Set(SECRET_SETTINGS.map((setting) => setting.variable));

/** One issue per variable: a value can fail several checks of one setting, whose message is the same. */
function uniqueVariables(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const variable = String(issue.path[0]);
    if (seen.has(variable)) return false;
    seen.add(variable);
    return true;
  });
}

/** `STRATA_COINS: expected a whole number from 1 to 100,000, got 'abc'`; a secret's value is never echoed (a password shows as ***). */
function describeIssue(env: Readonly<Record<string, string | undefined>>, issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0]);
  const value = env[variable] ?? '';
  const shown =
    variable === 'DATABASE_URL'
      ? `'${value.replace(/(:\/\/[^:/@]*):[^@]*@/, '$1:***@')}'`
      : SECRET_VARIABLES.has(variable)
        ? `${value.length} characters`
        : `'${value}'`;
  return `${variable}: ${issue.message}, got ${shown}`;
}

/** A server listening on every address is browsed at the loopback one; an IPv6 address needs brackets in a URL. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Parses configuration from an environment (default `process.env`). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success ? [] : uniqueVariables(parsed.error.issues).map((issue) => describeIssue(env, issue));
  const poolSizes = parsePoolSizes(env, problems);
  const scheduleOverrides = parseScheduleOverrides(env, problems);
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  // A key with no plan most likely belongs to the free demo plan.
  const plan: CoinGeckoPlan = e.COINGECKO_PLAN ?? (e.COINGECKO_API_KEY ? 'demo' : 'public');
  const defaults = COINGECKO_PLANS[plan];
  const maxPageSize = e.STRATA_MARKET_API_MAX_PAGE_SIZE ?? 1_000;
  const pageSize = e.STRATA_MARKET_API_PAGE_SIZE ?? Math.min(100, maxPageSize);
  if (pageSize > maxPageSize) {
    throw new ConfigError(
      `invalid configuration: STRATA_MARKET_API_PAGE_SIZE (${pageSize}) is above STRATA_MARKET_API_MAX_PAGE_SIZE (${maxPageSize})`,
    );
  }
  const dataDir = resolve(e.STRATA_DATA_DIR ?? 'data');
  const host = e.HOST ?? '127.0.0.1';
  const port = e.PORT ?? 3000;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir,
    host,
    port,
    logLevel: e.LOG_LEVEL ?? 'info',
    coins: e.STRATA_COINS ?? 250,
    martTopN: e.STRATA_MART_TOP_N ?? 50,
    maxQuarantinePct: e.STRATA_MAX_QUARANTINE_PCT ?? 1,
    coingecko: Object.freeze({
      plan,
      baseUrl: (e.COINGECKO_BASE_URL ?? defaults.baseUrl).replace(/\/+$/, ''),
      apiKey: e.COINGECKO_API_KEY,
      rateLimitPerMinute: e.COINGECKO_RATE_LIMIT_PER_MINUTE ?? defaults.ratePerMinute,
      rateLimitWindowMs: e.COINGECKO_RATE_LIMIT_WINDOW_MS ?? 60_000,
      timeoutMs: e.COINGECKO_TIMEOUT_MS ?? 30_000,
      maxRetries: e.COINGECKO_MAX_RETRIES ?? 5,
    }),
    sources: Object.freeze(['coingecko', ...(e.STRATA_SOURCES ?? []).filter((name) => name !== 'coingecko')] as SourceName[]),
    coinpaprika: Object.freeze({
      baseUrl: (e.COINPAPRIKA_BASE_URL ?? (e.COINPAPRIKA_API_KEY ? COINPAPRIKA_PRO_URL : COINPAPRIKA_FREE_URL)).replace(/\/+$/, ''),
      apiKey: e.COINPAPRIKA_API_KEY,
      rateLimitPerMinute: e.COINPAPRIKA_RATE_LIMIT_PER_MINUTE ?? 60,
      rateLimitWindowMs: e.COINPAPRIKA_RATE_LIMIT_WINDOW_MS ?? 60_000,
      timeoutMs: e.COINPAPRIKA_TIMEOUT_MS ?? 30_000,
      maxRetries: e.COINPAPRIKA_MAX_RETRIES ?? 5,
    }),
    historyCoins: e.STRATA_HISTORY_COINS ?? 50,
    reconciliationThresholdPct: e.STRATA_RECONCILIATION_THRESHOLD_PCT ?? 2,
    marketApi: Object.freeze({ defaultPageSize: pageSize, maxPageSize }),
    metricsPort: e.STRATA_METRICS_PORT === 'off' ? undefined : (e.STRATA_METRICS_PORT ?? 9464),
    maxConcurrentRuns: e.STRATA_MAX_CONCURRENT_RUNS ?? 4,
    maxConcurrentSteps: e.STRATA_MAX_CONCURRENT_STEPS ?? 4,
    heartbeatTimeoutMs: (e.STRATA_HEARTBEAT_TIMEOUT ?? 30) * 1000,
    runMaxRetries: e.STRATA_RUN_MAX_RETRIES ?? 2,
    shutdownGraceMs: (e.STRATA_SHUTDOWN_GRACE ?? 30) * 1000,
    sensorTimeoutMs: (e.STRATA_SENSOR_TIMEOUT ?? 60) * 1000,
    poolSizes: Object.freeze(poolSizes),
    scheduleOverrides: Object.freeze(scheduleOverrides),
    retentionDays: e.STRATA_RETENTION_DAYS ?? 90,
    bronzeRetentionDays: e.STRATA_BRONZE_RETENTION_DAYS === 'keep' ? undefined : e.STRATA_BRONZE_RETENTION_DAYS,
    adminToken: e.STRATA_ADMIN_TOKEN,
    mutationsPerMinute: e.STRATA_MUTATIONS_PER_MINUTE ?? 120,
    definitionsFile: e.STRATA_DEFINITIONS === undefined ? undefined : resolve(e.STRATA_DEFINITIONS),
    sqlAssetsDir: e.STRATA_SQL_ASSETS_DIR === undefined ? undefined : resolve(e.STRATA_SQL_ASSETS_DIR),
    // Two looks a file must survive unchanged (it may still be being written) fit in 1 s at 0.5 s.
    inbox: Object.freeze({ dir: join(dataDir, 'inbox'), intervalSeconds: e.STRATA_INBOX_INTERVAL ?? 0.5 }),
    publicUrl: (e.STRATA_PUBLIC_URL ?? `http://${browsableHost(host)}:${port}`).replace(/\/+$/, ''),
    automationIntervalMs: (e.STRATA_AUTOMATION_INTERVAL ?? 30) * 1000,
    goldAutomation: e.STRATA_GOLD_AUTOMATION ?? 'off',
  });
}
