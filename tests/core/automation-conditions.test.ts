/**
 * Declarative automation conditions: labels, each operand's truth table with its reason, the
 * combinations, the header syntax of SQL-file assets, and the conditions rejected because
 * they can never be true. Time comes from a ManualClock.
 */
import { describe, expect, it } from 'vitest';
import { automation, type AutomationCondition } from '../../src/core/automation/condition.js';
import { conditionProblems } from '../../src/core/automation/condition-problems.js';
import { evaluateCondition } from '../../src/core/automation/evaluate-condition.js';
import { EMPTY_PARTITION_STATE, type PartitionFacts, type PartitionState, type UpstreamPartition } from '../../src/core/automation/partition-facts.js';
import { ManualClock } from '../../src/core/clock.js';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import { parseAutomation } from '../../src/definitions/sql-assets/parse-automation.js';
import { DefinitionError } from '../../src/index.js';

const P = '2026-03-02T06:00Z';
const t = (hhmmss: string) => new Date(`2026-03-02T${hhmmss}Z`);
const RUN = 'aaaaaaaa-1111-2222-3333-444444444444';
const OTHER = 'bbbbbbbb-1111-2222-3333-444444444444';

function state(change: Partial<PartitionState> = {}): PartitionState {
  return { ...EMPTY_PARTITION_STATE, ...change };
}

function up(change: Partial<PartitionState> = {}, extra: Partial<UpstreamPartition> = {}): UpstreamPartition {
  return { assetKey: 'silver/x', partitionKey: P, allowMissing: false, state: state(change), ...extra };
}

function facts(clock: ManualClock, own: Partial<PartitionState>, upstream: UpstreamPartition[], hasDeps = upstream.length > 0): PartitionFacts {
  return { assetKey: 'gold/y', partitionKey: P, own: state(own), upstream, hasDeps, now: clock.now(), partitionAt: (time) => sixHourlyPartitions.keyFor(time) };
}

describe('condition values', () => {
  it('are frozen values with readable labels, parenthesised where needed', () => {
    const { eager, onCron, missing, and, or, not } = automation;
    expect(eager().label).toBe('eager()');
    expect(and(eager(), not(missing())).label).toBe('eager() & ~missing()');
    expect(or(and(eager(), missing()), onCron('0 6 * * *')).label).toBe("(eager() & missing()) | on_cron('0 6 * * *')");
    expect(not(or(eager(), missing())).label).toBe('~(eager() | missing())');
    expect(onCron('0 6 * * *', { timezone: 'Europe/Berlin' }).label).toBe("on_cron('0 6 * * *', 'Europe/Berlin')");
    expect(Object.isFrozen(and(eager(), missing()))).toBe(true);
  });

  it('refuse an invalid cron or timezone, and operands that are not conditions, where they are written', () => {
    expect(() => automation.onCron('61 * * * *')).toThrow(DefinitionError);
    expect(() => automation.onCron('0 6 * * *', { timezone: 'Mars/Olympus' })).toThrow(/unknown timezone/);
    expect(() => automation.and(automation.eager())).toThrow(/at least two/);
    expect(() => automation.not('eager' as unknown as AutomationCondition)).toThrow(/takes conditions/);
  });
});

describe('eager()', () => {
  const clock = new ManualClock(t('07:00:00'));
  const cases: [string, Partial<PartitionState>, UpstreamPartition[], boolean, string | RegExp][] = [
    ['upstream updated, never materialized', {}, [up({ materializedAt: t('06:00:03'), materializedRun: RUN })], true, 'upstream silver/x updated at 2026-03-02 06:00:03Z; none in progress or failed'],
    ['upstream updated after this partition', { materializedAt: t('06:00:00') }, [up({ materializedAt: t('06:00:03') })], true, /^upstream silver\/x updated at/],
    ['upstream older than this partition', { materializedAt: t('06:10:00'), materializedRun: RUN }, [up({ materializedAt: t('06:00:03') })], false, /^no upstream update since this partition materialized at 2026-03-02 06:10:00Z \(run aaaaaaaa\)/],
    ['upstream older than the last request', { requestedAt: t('06:05:00'), requestedRun: RUN }, [up({ materializedAt: t('06:00:03') })], false, /^no upstream update since automation requested it at 2026-03-02 06:05:00Z \(run aaaaaaaa\)/],
    ['upstream never materialized', {}, [up()], false, /no upstream partition it reads was ever materialized/],
    ['upstream in progress', {}, [up({ materializedAt: t('06:00:03'), inProgressRun: OTHER })], false, 'waiting: upstream silver/x in progress (run bbbbbbbb)'],
    ['upstream failed', {}, [up({ materializedAt: t('06:00:03'), failedAt: t('06:30:00'), failedRun: OTHER })], false, 'waiting: upstream silver/x failed at 2026-03-02 06:30:00Z (run bbbbbbbb)'],
    ['upstream failed before its materialization', {}, [up({ materializedAt: t('06:40:00'), failedAt: t('06:30:00') })], true, /^upstream silver\/x updated/],
    ['this partition in progress', { inProgressRun: OTHER }, [up({ materializedAt: t('06:00:03') })], false, 'waiting: this partition is in progress (run bbbbbbbb)'],
    ['this partition failed after the update', { failedAt: t('06:20:00'), failedRun: OTHER }, [up({ materializedAt: t('06:00:03') })], false, /^waiting: this partition failed at 2026-03-02 06:20:00Z/],
    ['this partition failed before the update', { failedAt: t('05:50:00') }, [up({ materializedAt: t('06:00:03') })], true, /^upstream silver\/x updated/],
    ['one upstream updated, another missing', {}, [up({ materializedAt: t('06:00:03') }), up({}, { assetKey: 'silver/z' })], false, 'waiting: upstream silver/z never materialized'],
    ['another missing but allowed to be', {}, [up({ materializedAt: t('06:00:03') }), up({}, { assetKey: 'silver/z', allowMissing: true })], true, /^upstream silver\/x updated/],
    ['upstream requested in this evaluation, same run', { materializedAt: t('06:10:00') }, [up({ materializedAt: t('06:00:03') }, { requestedNow: 'same_run' })], true, /^upstream silver\/x is requested in this evaluation \(same run, runs first\)/],
    ['upstream requested in this evaluation, another run', {}, [up({}, { requestedNow: 'other_run', partitionKey: '2026-03-02T00:00Z' })], false, 'waiting: upstream silver/x 2026-03-02T00:00Z is requested in this evaluation (its own run)'],
    ['no dependencies', {}, [], false, /no upstream assets/],
  ];
  it.each(cases)('%s', (_name, own, upstream, value, reason) => {
    const verdict = evaluateCondition(automation.eager(), facts(clock, own, upstream));
    expect(verdict.value).toBe(value);
    if (typeof reason === 'string') expect(verdict.reason).toBe(reason);
    else expect(verdict.reason).toMatch(reason);
  });
});

describe("onCron('0 6 * * *')", () => {
  const daily6 = automation.onCron('0 6 * * *');
  it('is true once per tick, for the partition of the tick, after every upstream partition updated since the tick', () => {
    const clock = new ManualClock(t('05:59:00'));
    const at = (own: Partial<PartitionState>, upstream: UpstreamPartition[], key = P) => evaluateCondition(daily6, { ...facts(clock, own, upstream), partitionKey: key });
    // Before 06:00 the latest tick was yesterday's, in another partition.
    expect(at({}, [up({ materializedAt: t('05:00:00') })])).toMatchObject({ value: false, reason: expect.stringMatching(/^not the partition of the latest on_cron\('0 6 \* \* \*'\) tick at 2026-03-01 06:00:00Z/) });
    clock.set(t('06:00:30'));
    expect(at({}, [up({ materializedAt: t('05:00:00') })])).toEqual({ value: false, reason: "waiting: on_cron('0 6 * * *') tick at 2026-03-02 06:00:00Z passed; upstream silver/x not updated since (last at 2026-03-02 05:00:00Z)" });
    expect(at({}, [up({ materializedAt: t('06:00:10') })])).toEqual({ value: true, reason: "on_cron('0 6 * * *') tick at 2026-03-02 06:00:00Z passed; every upstream partition updated since" });
    expect(at({}, [])).toMatchObject({ value: true, reason: expect.stringContaining('no upstream to wait for') });
    expect(at({ requestedAt: t('06:00:20'), requestedRun: RUN }, [up({ materializedAt: t('06:00:10') })])).toMatchObject({ value: false, reason: expect.stringContaining('already handled: automation requested it at 2026-03-02 06:00:20Z (run aaaaaaaa)') });
    expect(at({ materializedAt: t('06:00:25') }, [up({ materializedAt: t('06:00:10') })])).toMatchObject({ value: false, reason: expect.stringContaining('already handled: materialized at') });
    expect(at({ inProgressRun: OTHER }, [up({ materializedAt: t('06:00:10') })])).toMatchObject({ value: false, reason: 'waiting: this partition is in progress (run bbbbbbbb)' });
    expect(at({}, [up({ materializedAt: t('06:00:10') })], '2026-03-02T00:00Z').value).toBe(false);
    // The next day's tick makes it true again.
    clock.set(new Date('2026-03-03T06:01:00Z'));
    expect(evaluateCondition(daily6, { ...facts(clock, { requestedAt: t('06:00:20') }, [up({ materializedAt: new Date('2026-03-03T06:00:30Z') })]), partitionKey: '2026-03-03T06:00Z' }).value).toBe(true);
  });
});

describe('missing(), and, or, not', () => {
  const clock = new ManualClock(t('07:00:00'));
  const { eager, missing, and, or, not } = automation;
  const updated = [up({ materializedAt: t('06:00:03') })];
  const table: [string, AutomationCondition, Partial<PartitionState>, boolean][] = [
    ['missing, never materialized', missing(), {}, true],
    ['missing, materialized', missing(), { materializedAt: t('06:00:00') }, false],
    ['eager & missing, both true', and(eager(), missing()), {}, true],
    ['eager & missing, missing false', and(eager(), missing()), { materializedAt: t('05:00:00') }, false],
    ['eager & ~missing', and(eager(), not(missing())), { materializedAt: t('05:00:00') }, true],
    ['eager & ~missing, never materialized', and(eager(), not(missing())), {}, false],
    ['eager | missing, only missing', or(eager(), missing()), { inProgressRun: OTHER }, true],
    ['eager | missing, neither', or(eager(), missing()), { materializedAt: t('06:30:00') }, false],
  ];
  it.each(table)('%s', (_name, condition, own, value) => {
    expect(evaluateCondition(condition, facts(clock, own, updated)).value).toBe(value);
  });

  it('say why: the failing operand of &, the passing one of |, and what ~ negated', () => {
    expect(evaluateCondition(and(eager(), missing()), facts(clock, { materializedAt: t('05:00:00') }, updated)).reason).toBe('materialized at 2026-03-02 05:00:00Z (run purged)');
    expect(evaluateCondition(not(missing()), facts(clock, {}, updated)).reason).toBe('missing(): never materialized');
    expect(evaluateCondition(not(missing()), facts(clock, { materializedAt: t('05:00:00'), materializedRun: RUN }, updated)).reason).toBe('not missing(): materialized at 2026-03-02 05:00:00Z (run aaaaaaaa)');
  });
});

describe('conditions that can never be true', () => {
  const { eager, onCron, missing, and, or, not } = automation;
  it('eager() on an asset with no dependencies, and contradictions, are problems; satisfiable conditions are not', () => {
    expect(conditionProblems(eager(), false)).toEqual([expect.stringContaining('eager() on an asset with no dependencies can never be true')]);
    expect(conditionProblems(or(eager(), missing()), false)).toHaveLength(1);
    expect(conditionProblems(and(missing(), not(missing())), true)).toEqual(["'missing() & ~missing()' can never be true (it contradicts itself)"]);
    expect(conditionProblems(and(or(eager(), missing()), not(eager()), not(missing())), true)).toHaveLength(1);
    expect(conditionProblems(and(onCron('0 6 * * *'), not(onCron('0 6 * * *'))), true)).toHaveLength(1);
    expect(conditionProblems(and(onCron('0 6 * * *'), not(onCron('0 7 * * *'))), true)).toEqual([]);
    expect(conditionProblems(and(eager(), not(missing())), true)).toEqual([]);
    expect(conditionProblems(onCron('0 6 * * *'), false)).toEqual([]);
  });
});

describe('the SQL header syntax', () => {
  it('parses labels back into the same conditions, with & binding tighter than |', () => {
    for (const text of ['eager()', 'missing()', "on_cron('0 6 * * *')", "on_cron('0 6 * * *', 'Europe/Berlin')", 'eager() & ~missing()', "(eager() & missing()) | on_cron('0 6 * * *')", '~(eager() | missing())']) {
      expect(parseAutomation(text).label).toBe(text);
    }
    expect(parseAutomation('eager').label).toBe('eager()');
    expect(parseAutomation('eager | missing & ~eager').label).toBe('eager() | (missing() & ~eager())');
  });

  it('says what is wrong', () => {
    expect(() => parseAutomation('eagre')).toThrow("unknown condition 'eagre'");
    expect(() => parseAutomation('eager &')).toThrow('expected a condition at the end');
    expect(() => parseAutomation("on_cron('0 6 * *')")).toThrow(/invalid cron/);
    expect(() => parseAutomation('on_cron(0 6)')).toThrow("unexpected '0'");
    expect(() => parseAutomation('on_cron(eager)')).toThrow(/expected a quoted string/);
    expect(() => parseAutomation('eager)')).toThrow("unexpected ')'");
  });
});
