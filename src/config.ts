/**
 * The only module that reads `process.env`. Parsed once with zod at start-up, then passed
 * down as a frozen, typed object. A bad value is an error naming the variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

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
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

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
  readonly coingecko: CoinGeckoConfig;
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const int = (min: number, max: number) => z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).optional());

const EnvSchema = z.object({
  DATABASE_URL: optionalString,
  STRATA_DATA_DIR: optionalString,
  HOST: optionalString,
  PORT: int(0, 65_535),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  STRATA_COINS: int(1, 100_000),
  STRATA_MART_TOP_N: int(1, 10_000),
  COINGECKO_PLAN: z.preprocess(emptyAsUndefined, z.enum(['public', 'demo', 'pro']).optional()),
  COINGECKO_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  COINGECKO_API_KEY: optionalString,
  COINGECKO_RATE_LIMIT_PER_MINUTE: int(1, 100_000),
  COINGECKO_TIMEOUT_MS: int(100, 600_000),
  COINGECKO_MAX_RETRIES: int(0, 20),
});

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Parses configuration from an environment (default `process.env`). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  // A key with no plan most likely belongs to the free demo plan.
  const plan: CoinGeckoPlan = e.COINGECKO_PLAN ?? (e.COINGECKO_API_KEY ? 'demo' : 'public');
  const defaults = COINGECKO_PLANS[plan];
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.STRATA_DATA_DIR ?? 'data'),
    host: e.HOST ?? '127.0.0.1',
    port: e.PORT ?? 3000,
    logLevel: e.LOG_LEVEL ?? 'info',
    coins: e.STRATA_COINS ?? 250,
    martTopN: e.STRATA_MART_TOP_N ?? 50,
    coingecko: Object.freeze({
      plan,
      baseUrl: (e.COINGECKO_BASE_URL ?? defaults.baseUrl).replace(/\/+$/, ''),
      apiKey: e.COINGECKO_API_KEY,
      rateLimitPerMinute: e.COINGECKO_RATE_LIMIT_PER_MINUTE ?? defaults.ratePerMinute,
      timeoutMs: e.COINGECKO_TIMEOUT_MS ?? 30_000,
      maxRetries: e.COINGECKO_MAX_RETRIES ?? 5,
    }),
  });
}
