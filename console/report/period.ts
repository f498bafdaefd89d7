import { DAY_MS, vnDateStart } from '../../devices/time/vietnam.ts';
import { ReportError } from './errors.ts';

export type Period = { from: string; to: string; startMs: number; endMs: number };

/** 'YYYY-MM-DD' (a Vietnam calendar day) → the UTC instant of its 00:00 ICT, or a coded BAD_DATE error. */
function dateStartOf(text: string, label: string): number {
  const start = vnDateStart(text);
  if (start === null)
    throw new ReportError('BAD_DATE', `Ngày ${label} không hợp lệ: "${text}" (cần dạng NNNN-TT-NN, ví dụ 2025-01-31)`);
  return start;
}

/** Both days inclusive: [00:00 ICT of `from`, 00:00 ICT of the day after `to`). */
export function parsePeriod(from: string, to: string): Period {
  const startMs = dateStartOf(from, 'bắt đầu (--from)');
  const endMs = dateStartOf(to, 'kết thúc (--to)') + DAY_MS;
  if (endMs <= startMs)
    throw new ReportError('BAD_PERIOD', `Ngày kết thúc (${to}) phải không trước ngày bắt đầu (${from})`);
  return { from, to, startMs, endMs };
}
