import { dateText, vnDateTimeText } from '../../devices/time/vietnam.ts';

export { dateText };

/**
 * The wire formats of Vietnam-time calendar values in the console API (what people pick, not instants):
 * YYYY-MM-DD days, HH:mm 24-hour clock times and YYYY-MM-DDTHH:mm moments. No dependency, so Node-RED and
 * the browser bundle can use it.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(([01]\d|2[0-3]):[0-5]\d)$/;

export function isDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

export function isTime(s: unknown): s is string {
  return typeof s === 'string' && TIME.test(s);
}

export function isDateTime(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATETIME.exec(s);
  return !!m && isDate(m[1]);
}

/** YYYY-MM-DDTHH:mm (a moment people chose, Vietnam time) → dd/mm/yyyy HH:mm */
export function vnDateTime(at: string): string {
  const [d, t] = at.split('T');
  return t ? `${dateText(d!)} ${t}` : dateText(at);
}

/** an instant (UTC ISO) as Vietnam time dd/mm/yyyy HH:mm, whatever the reader's locale; '' for none */
export function vnInstant(at: string | null | undefined): string {
  const ms = at ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) ? vnDateTimeText(ms) : '';
}
