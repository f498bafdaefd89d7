import { describe, expect, it } from 'vitest';
import {
  dateText,
  DAY_MS,
  VN_ZONE,
  vnClockOn,
  vnDate,
  vnDateStart,
  vnDateText,
  vnDateTimeText,
  vnDayEnd,
  vnDayStart,
  vnMinuteOfDay,
  vnWallTime,
  vnWeekday,
  vnWeekStart,
} from '../../devices/time/vietnam.ts';

const utc = (iso: string) => Date.parse(iso);

describe('Vietnam time (the contract)', () => {
  it('names the zone the tz database and Grafana use', () => {
    expect(VN_ZONE).toBe('Asia/Ho_Chi_Minh');
    // the fixed offset agrees with the tz database on a date in each season
    for (const iso of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']) {
      const hour = new Intl.DateTimeFormat('en-GB', { timeZone: VN_ZONE, hour: '2-digit', hour12: false }).format(
        utc(iso),
      );
      expect(Number(hour)).toBe(19);
    }
  });

  it('vnDayStart takes an instant: the Vietnam midnight at or before it, 17:00 UTC the day before', () => {
    expect(vnDayStart(utc('2026-11-25T16:59:59.999Z'))).toBe(utc('2026-11-24T17:00:00Z'));
    expect(vnDayStart(utc('2026-11-25T17:00:00Z'))).toBe(utc('2026-11-25T17:00:00Z'));
    expect(vnDayEnd(utc('2026-11-25T17:00:00Z'))).toBe(utc('2026-11-26T17:00:00Z'));
    expect(vnDayEnd(utc('2026-11-25T16:00:00Z')) - vnDayStart(utc('2026-11-25T16:00:00Z'))).toBe(DAY_MS);
  });

  it('vnDateStart takes a calendar date and refuses what is not one', () => {
    expect(vnDateStart('2026-11-25')).toBe(utc('2026-11-24T17:00:00Z'));
    expect(vnDateStart('2024-02-29')).toBe(utc('2024-02-28T17:00:00Z'));
    for (const bad of ['2025-02-29', '2026-13-01', '2026-11-31', '25/11/2026', '2026-11-25T00:00', ''])
      expect(vnDateStart(bad)).toBeNull();
  });

  it('reads a Vietnam wall-clock time as its UTC instant', () => {
    expect(vnWallTime('2026-11-25T18:00')).toBe(utc('2026-11-25T11:00:00Z'));
    expect(vnWallTime('2026-11-26T00:30:15')).toBe(utc('2026-11-25T17:30:15Z'));
    expect(vnWallTime('18:00')).toBeNaN();
    expect(vnWallTime('2026-11-25 18:00')).toBeNaN();
  });

  it('dates, weekdays, weeks and minutes of day change at Vietnam midnight, not UTC midnight', () => {
    expect(vnDate(utc('2026-12-31T16:59:59Z'))).toBe('2026-12-31');
    expect(vnDate(utc('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
    // Sunday 29/11/2026 23:30 in Vietnam, Monday 00:30 a moment later
    expect(vnWeekday(utc('2026-11-29T16:30:00Z'))).toBe(7);
    expect(vnWeekday(utc('2026-11-29T17:30:00Z'))).toBe(1);
    expect(vnWeekStart(utc('2026-11-29T16:30:00Z'))).toBe(utc('2026-11-22T17:00:00Z'));
    expect(vnWeekStart(utc('2026-11-29T17:30:00Z'))).toBe(utc('2026-11-29T17:00:00Z'));
    expect(vnMinuteOfDay(utc('2026-11-25T17:30:00Z'))).toBe(30);
    expect(vnMinuteOfDay(utc('2026-11-25T16:59:00Z'))).toBe(23 * 60 + 59);
    expect(vnMinuteOfDay(utc('1969-12-31T17:00:00Z'))).toBe(0); // before the epoch too
    expect(vnClockOn(vnDateStart('2026-11-25')!, '07:45')).toBe(utc('2026-11-25T00:45:00Z'));
  });

  it('writes dates dd/mm/yyyy and times in 24 hours, in Vietnam time', () => {
    expect(dateText('2026-01-05')).toBe('05/01/2026');
    expect(vnDateText(utc('2026-11-25T17:00:00Z'))).toBe('26/11/2026');
    expect(vnDateTimeText(utc('2026-11-25T13:05:00Z'))).toBe('25/11/2026 20:05');
    expect(vnDateTimeText(utc('2026-11-25T17:00:00Z'))).toBe('26/11/2026 00:00');
  });
});
