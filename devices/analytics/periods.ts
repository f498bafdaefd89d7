import { DAY_MS, VN_OFFSET_MS, vnDate, vnDateStart, vnWeekStart } from '../time/vietnam.ts';

/**
 * Reporting periods in Vietnam time: this week (ISO, from Monday), this month, quarter, year (each up to now),
 * or custom whole days. The previous period is the whole calendar unit before (last week, last month, …);
 * for a custom range, the same number of days just before it.
 */
export const PERIOD_KINDS = ['week', 'month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];
export const PERIOD_LABELS: Record<PeriodKind, string> = {
  week: 'Tuần này',
  month: 'Tháng này',
  quarter: 'Quý này',
  year: 'Năm nay',
  custom: 'Tùy chọn',
};

export type Span = { startMs: number; endMs: number };
export type ResolvedPeriod = Span & {
  kind: PeriodKind;
  previous: Span /** first and last Vietnam day, YYYY-MM-DD */;
  from: string;
  to: string;
};

export class PeriodError extends Error {
  readonly code = 'BAD_PERIOD';
}

/** Vietnam midnight of day 1 of month `m` (0-based, may overflow) of year `y`. */
const monthStart = (y: number, m: number) => Date.UTC(y, m, 1) - VN_OFFSET_MS;

/** 'YYYY-MM-DD' → 00:00 Vietnam time of that day; refuses impossible dates. */
export function parseVnDay(text: string): number {
  const start = vnDateStart(text);
  if (start === null) throw new PeriodError(`Ngày không hợp lệ: "${text}"`);
  return start;
}

/** The longest custom range accepted (a query over more is refused, not slowed to a crawl). */
export const MAX_CUSTOM_DAYS = 3 * 366;

export function resolvePeriod(kind: string, now: number, custom: { from?: string; to?: string } = {}): ResolvedPeriod {
  const vn = new Date(now + VN_OFFSET_MS);
  const y = vn.getUTCFullYear();
  const mo = vn.getUTCMonth();
  const end = now;
  const done = (k: PeriodKind, startMs: number, endMs: number, previous: Span): ResolvedPeriod => ({
    kind: k,
    startMs,
    endMs,
    previous,
    from: vnDate(startMs),
    to: vnDate(Math.max(startMs, endMs - 1)),
  });
  switch (kind) {
    case 'week': {
      const s = vnWeekStart(now);
      return done('week', s, end, { startMs: s - 7 * DAY_MS, endMs: s });
    }
    case 'month':
      return done('month', monthStart(y, mo), end, { startMs: monthStart(y, mo - 1), endMs: monthStart(y, mo) });
    case 'quarter': {
      const q = Math.floor(mo / 3) * 3;
      return done('quarter', monthStart(y, q), end, { startMs: monthStart(y, q - 3), endMs: monthStart(y, q) });
    }
    case 'year':
      return done('year', monthStart(y, 0), end, { startMs: monthStart(y - 1, 0), endMs: monthStart(y, 0) });
    case 'custom': {
      if (!custom.from || !custom.to) throw new PeriodError('Cần chọn ngày bắt đầu và ngày kết thúc');
      const s = parseVnDay(custom.from);
      const e = parseVnDay(custom.to) + DAY_MS;
      if (e <= s) throw new PeriodError('Ngày kết thúc phải không trước ngày bắt đầu');
      if (e - s > MAX_CUSTOM_DAYS * DAY_MS) throw new PeriodError(`Khoảng thời gian dài quá ${MAX_CUSTOM_DAYS} ngày`);
      return done('custom', s, e, { startMs: s - (e - s), endMs: s });
    }
    default:
      throw new PeriodError(`Loại kỳ không hợp lệ: "${kind}"`);
  }
}
