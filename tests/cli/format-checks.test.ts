import { describe, expect, it } from 'vitest';
import { formatChecks } from '../../src/cli/materialize-command.js';

describe('the checks column of the materialize summary', () => {
  it('is empty without checks, counts passes, and names the failures', () => {
    expect(formatChecks({})).toBe('');
    const passed = { check: 'not_empty', severity: 'error', passed: true, message: null } as const;
    expect(formatChecks({ checks: [passed, { ...passed, check: 'unique_ids' }] })).toBe('2/2 passed');
    expect(
      formatChecks({
        checks: [passed, { check: 'price_within_24h_range', severity: 'warn', passed: false, message: '7 rows' }, { check: 'pk', severity: 'error', passed: false, message: null }],
      }),
    ).toBe('2 failed: price_within_24h_range (warn), pk');
  });
});
