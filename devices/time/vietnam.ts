/**
 * Vietnam time (Asia/Ho_Chi_Minh) is UTC+7 all year (no daylight saving since 1975), so day and week
 * boundaries are plain arithmetic: no tz database needed, identical in InfluxQL (GROUP BY offsets).
 * Every schedule, day boundary and date shown to people is Vietnam time; the wire carries UTC.
 */
export const VN_ZONE = 'Asia/Ho_Chi_Minh';
export const VN_OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Vietnam midnight at or before the instant `ms` (as UTC ms): the start of the Vietnam day it falls in. */
export function vnDayStart(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS;
}

/** The next Vietnam midnight after the instant `ms`: the (exclusive) end of the Vietnam day it falls in. */
export function vnDayEnd(ms: number): number {
  return vnDayStart(ms) + DAY_MS;
}

/**
 * The instant (UTC ms) of 00:00 Vietnam time on the calendar date "YYYY-MM-DD"; null when the text is not
 * such a date or names a day that does not exist (2025-02-30). Unlike vnDayStart it takes a date, not an instant.
 */
export function vnDateStart(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return utc - VN_OFFSET_MS;
}

/** The instant (UTC ms) of a Vietnam wall-clock time "YYYY-MM-DDTHH:MM[:SS]"; NaN when it cannot be read. */
export function vnWallTime(dateTime: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(dateTime)
    ? Date.parse(`${dateTime.length === 16 ? `${dateTime}:00` : dateTime}+07:00`)
    : Number.NaN;
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

/** Minutes since Vietnam midnight of the instant `ms` (0 … 1439). */
export function vnMinuteOfDay(ms: number): number {
  return Math.floor(((((ms + VN_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
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

/** A calendar date "YYYY-MM-DD" as Vietnamese documents write it: dd/mm/yyyy. */
export function dateText(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** dd/mm/yyyy of the Vietnam date containing the instant `ms`. */
export function vnDateText(ms: number): string {
  return dateText(vnDate(ms));
}

/** dd/mm/yyyy HH:mm (24-hour), Vietnam time, of the instant `ms`. */
export function vnDateTimeText(ms: number): string {
  const d = new Date(ms + VN_OFFSET_MS).toISOString();
  return `${dateText(d.slice(0, 10))} ${d.slice(11, 16)}`;
}
