/**
 * Vietnam time (Asia/Ho_Chi_Minh) is UTC+7 all year (no daylight saving since 1975), so day and week
 * boundaries are plain arithmetic: no tz database needed, identical in InfluxQL (GROUP BY offsets).
 */
export const VN_OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Vietnam midnight at or before `ms` (as UTC ms). */
export function vnDayStart(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS;
}

/** ISO weekday in Vietnam, 1 = Monday … 7 = Sunday. */
export function vnWeekday(ms: number): number {
  const d = new Date(ms + VN_OFFSET_MS).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Monday 00:00 Vietnam time of the ISO week containing `ms`. */
export function vnWeekStart(ms: number): number {
  const day = vnDayStart(ms);
  return day - (vnWeekday(day) - 1) * DAY_MS;
}

/** "YYYY-MM-DD" of the Vietnam date containing `ms`. */
export function vnDate(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** UTC ms of "HH:MM" Vietnam time on the Vietnam day starting at `dayStart`. */
export function vnClockOn(dayStart: number, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return dayStart + (h * 60 + m) * 60_000;
}
