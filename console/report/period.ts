import { ReportError } from './errors.ts';

/** Vietnam is UTC+7 all year (no daylight saving since 1975). */
const VN_OFFSET_MS = 7 * 3_600_000;

export type Period = { from: string; to: string; startMs: number; endMs: number };

/** 'YYYY-MM-DD' (a Vietnam calendar day) → the UTC instant of its 00:00 ICT. */
export function vnDayStart(text: string, label: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const fail = () => new ReportError('BAD_DATE', `Ngày ${label} không hợp lệ: "${text}" (cần dạng NNNN-TT-NN, ví dụ 2025-01-31)`);
  if (!m) throw fail();
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw fail();
  return utc - VN_OFFSET_MS;
}

/** Both days inclusive: [00:00 ICT of `from`, 00:00 ICT of the day after `to`). */
export function parsePeriod(from: string, to: string): Period {
  const startMs = vnDayStart(from, 'bắt đầu (--from)');
  const endMs = vnDayStart(to, 'kết thúc (--to)') + 86_400_000;
  if (endMs <= startMs) throw new ReportError('BAD_PERIOD', `Ngày kết thúc (${to}) phải không trước ngày bắt đầu (${from})`);
  return { from, to, startMs, endMs };
}

/** dd/mm/yyyy, as Vietnamese documents write dates */
export function vnDate(isoDay: string): string {
  const [y, m, d] = isoDay.split('-');
  return `${d}/${m}/${y}`;
}
