import { describe, expect, it } from 'vitest';
import { cronTimes, type CronTimes } from '../../src/core/cron.js';
import { DefinitionError } from '../../src/core/errors.js';
import { applyScheduleOverrides, defineSchedule, type ScheduleSpec } from '../../src/core/schedule.js';

const base: ScheduleSpec = { name: 'nightly', cron: '0 2 * * *', selection: 'gold/*' };

function iso(dates: readonly Date[]): string[] {
  return dates.map((date) => date.toISOString().replace('.000Z', 'Z'));
}

/** The ticks in (after, until], and the same ticks found one at a time from each previous tick, as the scheduler's cursor moves. */
function ticks(times: CronTimes, after: string, until: string): string[] {
  const all = iso([...times.between(new Date(after), new Date(until))]);
  const stepped: Date[] = [];
  for (let tick = times.nextAfter(new Date(after)); tick <= new Date(until); tick = times.nextAfter(tick)) stepped.push(tick);
  expect(iso(stepped)).toEqual(all);
  return all;
}

describe('defineSchedule', () => {
  it('fills the defaults: UTC, latest, max catch-up 5', () => {
    const schedule = defineSchedule(base);
    expect(schedule).toMatchObject({ name: 'nightly', timezone: 'UTC', catchUp: 'latest', maxCatchup: 5, description: '', overridden: undefined });
    expect(schedule.partitionFor(new Date())).toBeUndefined();
    expect(iso(schedule.times.take(new Date('2026-11-23T02:00:00Z'), 2))).toEqual(['2026-11-24T02:00:00Z', '2026-11-25T02:00:00Z']);
  });

  it('accepts six fields with seconds first', () => {
    const schedule = defineSchedule({ ...base, cron: '*/15 * * * * *' });
    expect(ticks(schedule.times, '2026-11-23T06:00:00.500Z', '2026-11-23T06:01:00Z')).toEqual([
      '2026-11-23T06:00:15Z',
      '2026-11-23T06:00:30Z',
      '2026-11-23T06:00:45Z',
      '2026-11-23T06:01:00Z',
    ]);
  });

  it.each([
    ['61 * * * *', /schedule 'nightly': invalid cron '61 \* \* \* \*'.*0-59/],
    ['0 0 * *', /schedule 'nightly': invalid cron '0 0 \* \*': expected 5 fields .* got 4/],
    ['1 2 3 4 5 6 7', /schedule 'nightly': invalid cron .* got 7/],
    ['every day', /schedule 'nightly': invalid cron/],
    ['0 0 30 2 *', /schedule 'nightly': invalid cron '0 0 30 2 \*'/],
  ])('rejects the cron %s naming the schedule', (cron, message) => {
    expect(() => defineSchedule({ ...base, cron })).toThrow(DefinitionError);
    expect(() => defineSchedule({ ...base, cron })).toThrow(message);
  });

  it('rejects an unknown timezone naming the schedule', () => {
    expect(() => defineSchedule({ ...base, timezone: 'Mars/Olympus_Mons' })).toThrow(
      new DefinitionError(`schedule 'nightly': unknown timezone 'Mars/Olympus_Mons' (expected an IANA name such as 'UTC' or 'Europe/Berlin')`),
    );
  });

  it('rejects a bad name, catch-up policy, max catch-up or empty selection', () => {
    expect(() => defineSchedule({ ...base, name: 'Every-Hour' })).toThrow(/schedule 'Every-Hour': the name must be snake_case/);
    expect(() => defineSchedule({ ...base, catchUp: 'some' as 'all' })).toThrow(/schedule 'nightly': catchUp must be one of latest, all, got 'some'/);
    expect(() => defineSchedule({ ...base, maxCatchup: 0 })).toThrow(/schedule 'nightly': maxCatchup must be an integer from 1 to 1000, got 0/);
    expect(() => defineSchedule({ ...base, selection: ' ' })).toThrow(/schedule 'nightly': selection is empty/);
  });
});

describe('applyScheduleOverrides', () => {
  const schedules = [defineSchedule(base), defineSchedule({ ...base, name: 'hourly', cron: '0 * * * *' })];

  it('changes the cron and/or timezone of the schedule named, keeping the rest', () => {
    const [nightly, hourly] = applyScheduleOverrides(schedules, { nightly: { cron: '30 1 * * * ', timezone: 'Europe/Berlin' }, hourly: { timezone: 'Asia/Tokyo' } });
    expect(nightly).toMatchObject({ name: 'nightly', cron: '30 1 * * *', timezone: 'Europe/Berlin', selection: 'gold/*', overridden: { cron: '30 1 * * * ', timezone: 'Europe/Berlin' } });
    expect(iso(nightly?.times.take(new Date('2026-11-23T00:00:00Z'), 1) ?? [])).toEqual(['2026-11-23T00:30:00Z']); // 01:30 CET
    expect(hourly).toMatchObject({ cron: '0 * * * *', timezone: 'Asia/Tokyo', overridden: { timezone: 'Asia/Tokyo' } });
  });

  it('leaves schedules without an override as they are', () => {
    expect(applyScheduleOverrides(schedules, {})).toEqual(schedules);
  });

  it('rejects an override naming no schedule, with the variable and the known names', () => {
    expect(() => applyScheduleOverrides(schedules, { nigthly: { cron: '0 3 * * *' } })).toThrow(
      new DefinitionError(`schedule override for unknown schedule 'nigthly' (STRATA_SCHEDULE_NIGTHLY_CRON/_TZ/_MAX_RETRIES); known schedules: nightly, hourly`),
    );
  });

  it('rejects a bad override cron or timezone, naming the schedule and the variable', () => {
    expect(() => applyScheduleOverrides(schedules, { hourly: { cron: '0 25 * * *' } })).toThrow(
      /^schedule 'hourly': invalid cron '0 25 \* \* \*'.*\(from the operator override STRATA_SCHEDULE_HOURLY_CRON\)$/,
    );
    expect(() => applyScheduleOverrides(schedules, { nightly: { timezone: 'Europe/Berln' } })).toThrow(
      `schedule 'nightly': unknown timezone 'Europe/Berln' (expected an IANA name such as 'UTC' or 'Europe/Berlin') (from the operator override STRATA_SCHEDULE_NIGHTLY_TZ)`,
    );
  });
});

describe('DST in Europe/Berlin (cron-parser semantics, asserted in UTC)', () => {
  describe('spring forward, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z)', () => {
    it('30 2 * * *: the missing 02:30 runs once, an hour later at 03:30 CEST (01:30Z); the day before and after at 02:30 local', () => {
      const times = cronTimes('30 2 * * *', 'Europe/Berlin');
      expect(ticks(times, '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z')).toEqual([
        '2026-03-28T01:30:00Z', // 02:30 CET
        '2026-03-29T01:30:00Z', // 03:30 CEST: 02:30 does not exist
        '2026-03-30T00:30:00Z', // 02:30 CEST
        '2026-03-31T00:30:00Z',
      ]);
    });

    it('0 3 * * *: 03:00 local every day, so 23 hours apart in UTC across the change', () => {
      expect(ticks(cronTimes('0 3 * * *', 'Europe/Berlin'), '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
        '2026-03-28T02:00:00Z',
        '2026-03-29T01:00:00Z',
        '2026-03-30T01:00:00Z',
      ]);
    });

    it('sub-daily crons keep ticking every real half hour through the gap', () => {
      expect(ticks(cronTimes('*/30 * * * *', 'Europe/Berlin'), '2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z')).toEqual([
        '2026-03-29T00:30:00Z',
        '2026-03-29T01:00:00Z', // 03:00 CEST follows 01:30 CET
        '2026-03-29T01:30:00Z',
        '2026-03-29T02:00:00Z',
      ]);
    });
  });

  describe('fall back, 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00Z), so 02:00-02:59 happens twice', () => {
    it('30 2 * * *: runs once, at the first 02:30 (CEST, 00:30Z); the repeated 02:30 CET (01:30Z) does not run', () => {
      expect(ticks(cronTimes('30 2 * * *', 'Europe/Berlin'), '2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z')).toEqual([
        '2026-10-24T00:30:00Z', // 02:30 CEST
        '2026-10-25T00:30:00Z', // first 02:30 (CEST) only
        '2026-10-26T01:30:00Z', // 02:30 CET
        '2026-10-27T01:30:00Z',
      ]);
    });

    it('0 3 * * *: 03:00 local every day, so 25 hours apart in UTC across the change', () => {
      expect(ticks(cronTimes('0 3 * * *', 'Europe/Berlin'), '2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
        '2026-10-24T01:00:00Z',
        '2026-10-25T02:00:00Z',
        '2026-10-26T02:00:00Z',
      ]);
    });

    it('sub-daily crons tick in both passes of the repeated hour', () => {
      expect(ticks(cronTimes('*/30 * * * *', 'Europe/Berlin'), '2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z')).toEqual([
        '2026-10-25T00:30:00Z', // 02:30 CEST
        '2026-10-25T01:00:00Z', // 02:00 CET
        '2026-10-25T01:30:00Z', // 02:30 CET
        '2026-10-25T02:00:00Z',
      ]);
    });
  });
});
