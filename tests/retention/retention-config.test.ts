import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('retention configuration', () => {
  it('defaults: history kept 90 days, bronze kept forever', () => {
    expect(loadConfig({})).toMatchObject({ retentionDays: 90, bronzeRetentionDays: undefined });
  });

  it('reads STRATA_RETENTION_DAYS and STRATA_BRONZE_RETENTION_DAYS (days, or keep)', () => {
    expect(loadConfig({ STRATA_RETENTION_DAYS: '30', STRATA_BRONZE_RETENTION_DAYS: '365' })).toMatchObject({ retentionDays: 30, bronzeRetentionDays: 365 });
    for (const keep of ['keep', ' KEEP ', '']) expect(loadConfig({ STRATA_BRONZE_RETENTION_DAYS: keep }).bronzeRetentionDays).toBeUndefined();
  });

  it('rejects a value that is not a whole number of days, naming the variable', () => {
    expect(() => loadConfig({ STRATA_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ STRATA_RETENTION_DAYS: 'forever' })).toThrow(/STRATA_RETENTION_DAYS/);
    expect(() => loadConfig({ STRATA_BRONZE_RETENTION_DAYS: '1.5' })).toThrow(/STRATA_BRONZE_RETENTION_DAYS: expected 'keep' or a number of days/);
    expect(() => loadConfig({ STRATA_BRONZE_RETENTION_DAYS: 'never' })).toThrow(/STRATA_BRONZE_RETENTION_DAYS/);
  });
});
