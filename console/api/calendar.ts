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

/** YYYY-MM-DD → dd/mm/yyyy, the way people read dates */
export function vnDate(date: string): string {
  const m = DATE.exec(date);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : date;
}

/** YYYY-MM-DDTHH:mm → dd/mm/yyyy HH:mm */
export function vnDateTime(at: string): string {
  const [d, t] = at.split('T');
  return t ? `${vnDate(d!)} ${t}` : vnDate(at);
}

const VN_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Ho_Chi_Minh',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** an instant (UTC ISO or ms) as Vietnam time dd/mm/yyyy HH:mm, whatever the reader's locale */
export function vnInstant(at: string | number | null | undefined): string {
  if (at === null || at === undefined || at === '') return '';
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return '';
  const p = Object.fromEntries(VN_PARTS.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}
