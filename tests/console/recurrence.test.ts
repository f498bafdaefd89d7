import { describe, expect, it } from 'vitest';
import { expand, nextDay } from '../../console/recurrence.ts';
import { vnDate } from '../../devices/time/vietnam.ts';
import { schedule as checkSchedule } from '../../console/validate.ts';
import { buildItems } from '../../console/schedule/build.ts';
import type { ConsoleError } from '../../console/errors.ts';
import type { Announcement, Schedule } from '../../console/model.ts';

// Every expected instant below was computed by hand: Vietnam is UTC+7 all year (no daylight saving since 1975).
const ALL = [Date.parse('2020-01-01T00:00:00Z'), Date.parse('2035-01-01T00:00:00Z')] as const;
const all = (s: Schedule) => expand(s, ALL[0], ALL[1]);

describe('recurrence in Vietnam time', () => {
  it('weekly on Monday and Sunday across the year end', () => {
    // 2026-12-25 is a Friday; Sundays 27 Dec, 3 Jan, 10 Jan; Mondays 28 Dec, 4 Jan. 06:00 VN = 23:00Z the day before.
    expect(all({ kind: 'weekly', weekdays: [7, 1], time: '06:00', from: '2026-12-25', to: '2027-01-10' })).toEqual([
      '2026-12-26T23:00:00.000Z',
      '2026-12-27T23:00:00.000Z',
      '2027-01-02T23:00:00.000Z',
      '2027-01-03T23:00:00.000Z',
      '2027-01-09T23:00:00.000Z',
    ]);
  });

  it('weekly on Friday evening across a month end', () => {
    // Fridays: 29 Jan, 5 Feb, 12 Feb 2027; 19:30 VN = 12:30Z the same day
    expect(all({ kind: 'weekly', weekdays: [5], time: '19:30', from: '2027-01-25', to: '2027-02-15' })).toEqual([
      '2027-01-29T12:30:00.000Z',
      '2027-02-05T12:30:00.000Z',
      '2027-02-12T12:30:00.000Z',
    ]);
  });

  it('daily just after midnight falls on the previous UTC day; February of a common year', () => {
    // 00:15 VN = 17:15Z the day before; 2027 has no 29 February
    expect(all({ kind: 'daily', time: '00:15', from: '2027-02-27', to: '2027-03-01' })).toEqual([
      '2027-02-26T17:15:00.000Z',
      '2027-02-27T17:15:00.000Z',
      '2027-02-28T17:15:00.000Z',
    ]);
  });

  it('daily in a leap year includes 29 February', () => {
    expect(all({ kind: 'daily', time: '07:00', from: '2028-02-28', to: '2028-03-01' })).toEqual([
      '2028-02-28T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
  });

  it('the date window is inclusive at both ends, in Vietnam days', () => {
    // 23:59 on the last day is inside; 00:00 on the first day is inside
    expect(all({ kind: 'daily', time: '23:59', from: '2027-06-30', to: '2027-06-30' })).toEqual([
      '2027-06-30T16:59:00.000Z',
    ]);
    expect(all({ kind: 'daily', time: '00:00', from: '2027-01-01', to: '2027-01-01' })).toEqual([
      '2026-12-31T17:00:00.000Z',
    ]);
  });

  it('the weekly window excludes weekdays outside it', () => {
    // 2027-03-01 is a Monday: a Sunday-only rule from Monday to Saturday has no occurrence
    expect(all({ kind: 'weekly', weekdays: [7], time: '08:00', from: '2027-03-01', to: '2027-03-06' })).toEqual([]);
  });

  it('once at a Vietnam date and time', () => {
    expect(all({ kind: 'once', at: '2027-01-01T00:15' })).toEqual(['2026-12-31T17:15:00.000Z']);
  });

  it('an expansion window cuts occurrences: [from, to), from inclusive', () => {
    const s: Schedule = { kind: 'daily', time: '06:00', from: '2027-05-01', to: '2027-05-31' };
    expect(expand(s, Date.parse('2027-05-09T23:00:00Z'), Date.parse('2027-05-12T23:00:00Z'))).toEqual([
      '2027-05-09T23:00:00.000Z',
      '2027-05-10T23:00:00.000Z',
      '2027-05-11T23:00:00.000Z',
    ]);
    expect(expand(s, ALL[0], ALL[1], 2)).toHaveLength(2);
  });

  it('does not depend on the time zone of the machine', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      const ny = all({ kind: 'weekly', weekdays: [7, 1], time: '06:00', from: '2026-12-25', to: '2027-01-10' });
      process.env.TZ = 'Asia/Tokyo';
      const tokyo = all({ kind: 'weekly', weekdays: [7, 1], time: '06:00', from: '2026-12-25', to: '2027-01-10' });
      expect(ny).toEqual(tokyo);
      expect(ny[0]).toBe('2026-12-26T23:00:00.000Z');
    } finally {
      process.env.TZ = saved;
    }
  });

  it('Vietnam calendar day of an instant and the next day', () => {
    expect(vnDate(Date.parse('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
    expect(vnDate(Date.parse('2026-12-31T16:59:59Z'))).toBe('2026-12-31');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
  });
});

describe('schedule validation', () => {
  const now = Date.parse('2027-01-10T03:00:00Z'); // 10:00 on 10 Jan 2027 in Vietnam
  const ctx = { now, maxWindowDays: 366 };
  const code = (s: unknown) => {
    try {
      checkSchedule(s, ctx);
      return 'ok';
    } catch (err) {
      return (err as ConsoleError).code;
    }
  };

  it('refuses past, inverted, empty, malformed and too long schedules with their own codes', () => {
    expect(code({ kind: 'once', at: '2027-01-10T09:59' })).toBe('SCHEDULE_PAST');
    expect(code({ kind: 'once', at: '2027-01-10T10:01' })).toBe('ok');
    expect(code({ kind: 'daily', time: '06:00', from: '2027-01-01', to: '2027-01-09' })).toBe('SCHEDULE_PAST');
    // today 06:00 has passed and today is the last day: nothing left to play
    expect(code({ kind: 'daily', time: '06:00', from: '2027-01-01', to: '2027-01-10' })).toBe('SCHEDULE_EMPTY');
    expect(code({ kind: 'daily', time: '11:00', from: '2027-01-01', to: '2027-01-10' })).toBe('ok');
    expect(code({ kind: 'daily', time: '06:00', from: '2027-02-01', to: '2027-01-20' })).toBe('SCHEDULE_RANGE');
    expect(code({ kind: 'weekly', weekdays: [], time: '06:00', from: '2027-02-01', to: '2027-02-20' })).toBe(
      'WEEKDAYS_EMPTY',
    );
    expect(code({ kind: 'weekly', weekdays: [8], time: '06:00', from: '2027-02-01', to: '2027-02-20' })).toBe(
      'SCHEDULE_INVALID',
    );
    expect(code({ kind: 'daily', time: '06:00', from: '2027-02-30', to: '2027-03-20' })).toBe('SCHEDULE_INVALID');
    expect(code({ kind: 'daily', time: '24:00', from: '2027-02-01', to: '2027-03-20' })).toBe('SCHEDULE_INVALID');
    expect(code({ kind: 'daily', time: '06:00', from: '2027-02-01', to: '2029-03-20' })).toBe('SCHEDULE_TOO_LONG');
    expect(code({ kind: 'hourly' })).toBe('SCHEDULE_INVALID');
    expect(code(null)).toBe('SCHEDULE_INVALID');
  });
});

describe('schedule items', () => {
  const base: Announcement = {
    id: 'tb-1',
    commune: '90001',
    title: 'Họp dân',
    text: 'x',
    hamlets: ['xa1-ap1'],
    repeats: 2,
    volume: 70,
    priority: 'normal',
    schedule: { kind: 'daily', time: '06:00', from: '2027-01-01', to: '2027-12-31' },
    audio: { sha256: 'a'.repeat(64), mime: 'audio/wav', bytes: 100, durationS: 3 },
    status: 'approved',
    rejectReason: null,
    createdBy: 's',
    createdAt: '',
    updatedAt: '',
    approvedBy: 'l',
    approvedAt: '',
    revision: 1,
  };
  const opts = {
    now: Date.parse('2027-01-10T23:10:00Z'),
    horizon: Date.parse('2027-01-13T00:00:00Z'),
    validityS: 1800,
    emergencyValidityS: 900,
  };

  it('keeps an occurrence that is still within its validity and expands to the horizon', () => {
    const [item] = buildItems([base], 'xa1-ap1', opts);
    // 06:00 VN on 11 Jan = 23:00Z on 10 Jan, 10 minutes ago and valid for 30: still in the document
    expect(item.occurrences).toEqual([
      '2027-01-10T23:00:00.000Z',
      '2027-01-11T23:00:00.000Z',
      '2027-01-12T23:00:00.000Z',
    ]);
    expect(item).toMatchObject({
      announcement: 'tb-1',
      repeats: 2,
      volume: 70,
      validityS: 1800,
      audio: { path: `/audio/${'a'.repeat(64)}` },
    });
  });

  it('leaves out other hamlets, unapproved announcements and ones without occurrences', () => {
    expect(buildItems([base], 'xa1-ap2', opts)).toEqual([]);
    expect(buildItems([{ ...base, status: 'draft' }], 'xa1-ap1', opts)).toEqual([]);
    expect(buildItems([{ ...base, hamlets: 'all' }], 'xa1-ap2', opts)).toHaveLength(1);
    expect(buildItems([{ ...base, schedule: { kind: 'once', at: '2027-02-01T08:00' } }], 'xa1-ap1', opts)).toEqual([]);
  });
});
