import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has defaults that run with no database server and the public CoinGecko plan', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.coins).toBe(250);
    expect(config.martTopN).toBe(50);
    expect(config.coingecko).toMatchObject({ plan: 'public', baseUrl: 'https://api.coingecko.com/api/v3', rateLimitPerMinute: 10 });
  });

  it('picks host, key header plan and rate limit per plan', () => {
    expect(loadConfig({ COINGECKO_API_KEY: 'k' }).coingecko).toMatchObject({ plan: 'demo', rateLimitPerMinute: 30, apiKey: 'k' });
    expect(loadConfig({ COINGECKO_PLAN: 'pro', COINGECKO_API_KEY: 'k' }).coingecko).toMatchObject({
      plan: 'pro',
      baseUrl: 'https://pro-api.coingecko.com/api/v3',
      rateLimitPerMinute: 500,
    });
    expect(loadConfig({ COINGECKO_BASE_URL: 'http://127.0.0.1:8787/api/v3/', COINGECKO_RATE_LIMIT_PER_MINUTE: '1000' }).coingecko).toMatchObject({
      baseUrl: 'http://127.0.0.1:8787/api/v3',
      rateLimitPerMinute: 1000,
    });
  });

  it('counts source rate limits in a rolling minute unless a window is set, and names a bad window', () => {
    expect(loadConfig({}).coingecko.rateLimitWindowMs).toBe(60_000);
    expect(loadConfig({}).coinpaprika.rateLimitWindowMs).toBe(60_000);
    expect(loadConfig({ COINGECKO_RATE_LIMIT_WINDOW_MS: '2000', COINPAPRIKA_RATE_LIMIT_WINDOW_MS: '1000' })).toMatchObject({
      coingecko: { rateLimitWindowMs: 2_000 },
      coinpaprika: { rateLimitWindowMs: 1_000 },
    });
    expect(() => loadConfig({ COINGECKO_RATE_LIMIT_WINDOW_MS: '10' })).toThrow(/COINGECKO_RATE_LIMIT_WINDOW_MS/);
  });

  it('puts the inbox under the data directory, looked at twice a second unless set, and links to the UI at HOST:PORT unless a public URL is set', () => {
    expect(loadConfig({ STRATA_DATA_DIR: '/srv/strata' })).toMatchObject({ inbox: { dir: '/srv/strata/inbox', intervalSeconds: 0.5 }, publicUrl: 'http://127.0.0.1:3000' });
    expect(loadConfig({ STRATA_INBOX_INTERVAL: '2.5', HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({ inbox: { intervalSeconds: 2.5 }, publicUrl: 'http://127.0.0.1:8080' });
    expect(loadConfig({ HOST: '::' }).publicUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ STRATA_PUBLIC_URL: 'https://strata.example.com/' }).publicUrl).toBe('https://strata.example.com');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).port).toBe(3000);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', STRATA_COINS: '0', COINGECKO_PLAN: 'gold', COINGECKO_BASE_URL: 'not a url' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: .*STRATA_COINS: .*COINGECKO_PLAN: .*COINGECKO_BASE_URL: /);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.coingecko)).toBe(true);
  });
});

describe('loadConfig: orchestration settings', () => {
  it('defaults the coingecko pool to 1 and reads pool sizes and schedule overrides by name', () => {
    expect(loadConfig({}).poolSizes).toEqual({ coingecko: 1, coinpaprika: 1 });
    const config = loadConfig({
      STRATA_POOL_COINGECKO: '2',
      STRATA_POOL_HEAVY_SQL: '3',
      STRATA_SCHEDULE_EVERY_6_HOURS_CRON: '*/5 * * * * *',
      STRATA_SCHEDULE_DAILY_TZ: 'Europe/Berlin',
      STRATA_HEARTBEAT_TIMEOUT: '10',
    });
    expect(config.poolSizes).toEqual({ coingecko: 2, coinpaprika: 1, heavy_sql: 3 });
    expect(config.scheduleOverrides).toEqual({ every_6_hours: { cron: '*/5 * * * * *' }, daily: { timezone: 'Europe/Berlin' } });
    expect(config.heartbeatTimeoutMs).toBe(10_000);
  });

  it('rejects a pool size that is not a positive integer, naming the variable', () => {
    expect(() => loadConfig({ STRATA_POOL_COINGECKO: '0' })).toThrow(/STRATA_POOL_COINGECKO: expected a pool size/);
  });
});
