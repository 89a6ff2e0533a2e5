/**
 * Every environment setting refuses a bad value with one line naming the variable, the form it
 * expects and what it got (never zod's "expected number, received NaN", never a DNS error from
 * the driver); a secret's value is never echoed. The table must cover every variable loadConfig
 * reads. A few run through the real CLI process: exit 2, that line on stderr, no stack trace.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig, type EnvVariable } from '../src/config.js';
import { runStrata } from './helpers/strata-process.js';

/** A bad value and the exact problem; `null`: the variable takes any text. */
const BAD_VALUES: Record<EnvVariable, { value: string; problem: string } | null> = {
  DATABASE_URL: { value: 'not a url', problem: "expected a postgres:// URL such as postgres://user:password@localhost:5432/strata, got 'not a url'" },
  STRATA_DATA_DIR: null,
  // Paths: a missing file or folder is reported when the definitions load (tests/definitions).
  STRATA_DEFINITIONS: null,
  STRATA_SQL_ASSETS_DIR: null,
  STRATA_INBOX_INTERVAL: { value: '0.01', problem: "expected a number of seconds from 0.1 to 86,400, got '0.01'" },
  STRATA_PUBLIC_URL: { value: 'strata.local', problem: "expected an http:// or https:// URL such as https://strata.example.com, got 'strata.local'" },
  HOST: null,
  PORT: { value: '-1', problem: "expected a port number from 0 to 65,535, got '-1'" },
  LOG_LEVEL: { value: 'loud', problem: "expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'" },
  STRATA_COINS: { value: 'abc', problem: "expected a whole number from 1 to 100,000, got 'abc'" },
  STRATA_MART_TOP_N: { value: '0', problem: "expected a whole number from 1 to 10,000, got '0'" },
  STRATA_MAX_QUARANTINE_PCT: { value: 'five', problem: "expected a percentage from 0 to 100, got 'five'" },
  COINGECKO_PLAN: { value: 'gold', problem: "expected one of public, demo, pro, got 'gold'" },
  COINGECKO_BASE_URL: { value: 'api.coingecko.com', problem: "expected an http:// or https:// URL such as http://127.0.0.1:8787/api/v3, got 'api.coingecko.com'" },
  COINGECKO_API_KEY: null,
  COINGECKO_RATE_LIMIT_PER_MINUTE: { value: '1.5', problem: "expected a whole number from 1 to 100,000, got '1.5'" },
  COINGECKO_RATE_LIMIT_WINDOW_MS: { value: '50', problem: "expected a number of milliseconds from 100 to 3,600,000, got '50'" },
  COINGECKO_TIMEOUT_MS: { value: '30s', problem: "expected a number of milliseconds from 100 to 600,000, got '30s'" },
  COINGECKO_MAX_RETRIES: { value: '21', problem: "expected a whole number from 0 to 20, got '21'" },
  STRATA_SOURCES: { value: 'coingecko,binance', problem: "expected a comma-separated list of coingecko, coinpaprika, got 'coingecko,binance'" },
  COINPAPRIKA_BASE_URL: { value: 'ftp://example.org', problem: "expected an http:// or https:// URL such as http://127.0.0.1:8788/v1, got 'ftp://example.org'" },
  COINPAPRIKA_API_KEY: null,
  COINPAPRIKA_RATE_LIMIT_PER_MINUTE: { value: 'lots', problem: "expected a whole number from 1 to 100,000, got 'lots'" },
  COINPAPRIKA_RATE_LIMIT_WINDOW_MS: { value: '1m', problem: "expected a number of milliseconds from 100 to 3,600,000, got '1m'" },
  COINPAPRIKA_TIMEOUT_MS: { value: '50', problem: "expected a number of milliseconds from 100 to 600,000, got '50'" },
  COINPAPRIKA_MAX_RETRIES: { value: '-1', problem: "expected a whole number from 0 to 20, got '-1'" },
  STRATA_HISTORY_COINS: { value: '1001', problem: "expected a whole number from 0 to 1,000, got '1001'" },
  STRATA_RECONCILIATION_THRESHOLD_PCT: { value: '0', problem: "expected a percentage above 0, at most 1,000, got '0'" },
  STRATA_MARKET_API_PAGE_SIZE: { value: 'ten', problem: "expected a whole number from 1 to 10,000, got 'ten'" },
  STRATA_MARKET_API_MAX_PAGE_SIZE: { value: '10001', problem: "expected a whole number from 1 to 10,000, got '10001'" },
  STRATA_METRICS_PORT: { value: 'on', problem: "expected 'off' or a port number from 0 to 65,535, got 'on'" },
  STRATA_MAX_CONCURRENT_RUNS: { value: '0', problem: "expected a whole number from 1 to 1,000, got '0'" },
  STRATA_MAX_CONCURRENT_STEPS: { value: '65', problem: "expected a whole number from 1 to 64, got '65'" },
  STRATA_HEARTBEAT_TIMEOUT: { value: '30s', problem: "expected a number of seconds from 1 to 86,400, got '30s'" },
  STRATA_RUN_MAX_RETRIES: { value: '11', problem: "expected a whole number from 0 to 10, got '11'" },
  STRATA_SHUTDOWN_GRACE: { value: '-5', problem: "expected a number of seconds from 0 to 86,400, got '-5'" },
  STRATA_SENSOR_TIMEOUT: { value: '0', problem: "expected a number of seconds from 1 to 3,600, got '0'" },
  STRATA_RETENTION_DAYS: { value: 'forever', problem: "expected a number of days from 1 to 36,500, got 'forever'" },
  STRATA_AUTOMATION_INTERVAL: { value: '0', problem: "expected a number of seconds from 1 to 86,400, got '0'" },
  STRATA_GOLD_AUTOMATION: { value: 'lazy', problem: "expected one of off, eager, got 'lazy'" },
  STRATA_MUTATIONS_PER_MINUTE: { value: 'NaN', problem: "expected a whole number from 1 to 1,000,000, got 'NaN'" },
  // A secret: its length, never its text.
  STRATA_ADMIN_TOKEN: { value: 'short-secret', problem: 'expected 16 to 512 characters, got 12 characters' },
  STRATA_BRONZE_RETENTION_DAYS: { value: 'never', problem: "expected 'keep' or a number of days from 1 to 36,500, got 'never'" },
};

function problemOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('every environment setting names itself and the form it expects', () => {
  it('the table covers every variable loadConfig reads', () => {
    expect(Object.keys(BAD_VALUES).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  const bad = Object.entries(BAD_VALUES).filter((entry): entry is [string, { value: string; problem: string }] => entry[1] !== null);
  it.each(bad)('%s', (variable, { value, problem }) => {
    expect(problemOf({ [variable]: value })).toBe(`invalid configuration: ${variable}: ${problem}`);
  });

  it('a DATABASE_URL that is a URL of another kind shows its password as ***', () => {
    expect(problemOf({ DATABASE_URL: 'mysql://strata:hunter22@db:3306/strata' })).toBe(
      "invalid configuration: DATABASE_URL: expected a postgres:// URL such as postgres://user:password@localhost:5432/strata, got 'mysql://strata:***@db:3306/strata'",
    );
  });

  it('the variable families too: STRATA_POOL_<NAME>', () => {
    expect(problemOf({ STRATA_POOL_COINGECKO: 'two' })).toBe("invalid configuration: STRATA_POOL_COINGECKO: expected a pool size (an integer >= 1), got 'two'");
  });

  it('several bad variables: one line each, in one error', () => {
    expect(problemOf({ STRATA_COINS: 'abc', PORT: 'eighty' })).toBe(
      "invalid configuration: PORT: expected a port number from 0 to 65,535, got 'eighty'; STRATA_COINS: expected a whole number from 1 to 100,000, got 'abc'",
    );
  });

  it('a good value of each still loads', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://strata@127.0.0.1/strata', STRATA_MAX_QUARANTINE_PCT: '0.5', STRATA_METRICS_PORT: 'off' })).not.toThrow();
    expect(loadConfig({ DATABASE_URL: 'postgres:///strata?host=/var/run/postgresql' }).databaseUrl).toBe('postgres:///strata?host=/var/run/postgresql');
  });
});

describe('bad settings and flags through the real CLI: exit 2, one line, no stack trace', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-messages-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['STRATA_COINS=abc', ['runs'], { STRATA_COINS: 'abc' }, "invalid configuration: STRATA_COINS: expected a whole number from 1 to 100,000, got 'abc'"],
    [
      "DATABASE_URL='not a url'",
      ['runs'],
      { DATABASE_URL: 'not a url' },
      "invalid configuration: DATABASE_URL: expected a postgres:// URL such as postgres://user:password@localhost:5432/strata, got 'not a url'",
    ],
    ['runs --limit -3', ['runs', '--limit', '-3'], {}, "--limit: expected a whole number from 1 to 1,000, got '-3'"],
    ['fake-coingecko --port 70000', ['fake-coingecko', '--port', '70000'], {}, "--port: expected a port number from 0 to 65,535, got '70000'"],
  ])('%s', { timeout: 120_000 }, async (_title, args, env, message) => {
    const result = await runStrata(args, { STRATA_DATA_DIR: dataDir, ...env });
    expect(result).toEqual({ code: 2, stdout: '', stderr: `strata: ${message}\n` });
  });
});
