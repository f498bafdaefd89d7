import { DAY_MS, vnDateStart } from '../../devices/time/vietnam.ts';
import { fail } from '../errors.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A report period given as Vietnam dates, both inclusive → [from, to) in UTC ms. */
export function parsePeriod(q: { from?: unknown; to?: unknown }): { from: number; to: number } {
  if (typeof q.from !== 'string' || typeof q.to !== 'string' || !DAY.test(q.from) || !DAY.test(q.to))
    fail('PERIOD_INVALID');
  const from = vnDateStart(q.from) ?? Number.NaN;
  const to = (vnDateStart(q.to) ?? Number.NaN) + DAY_MS;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || to - from > 366 * 86_400_000 * 2)
    fail('PERIOD_INVALID');
  return { from, to };
}
