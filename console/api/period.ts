import { z } from 'zod';
import { PERIOD_KINDS } from '../../devices/analytics/periods.ts';
import { isDate } from './calendar.ts';
import { coded } from './coded.ts';

/**
 * Periods as the console API takes them: whole Vietnam days YYYY-MM-DD (both inclusive), or a named period of
 * the satisfaction views. A wrong shape is PERIOD_INVALID here; the order and the length are checked where the
 * period is resolved (same code).
 */
const DAY_INVALID = 'Ngày phải có dạng năm-tháng-ngày (NNNN-TT-NN) và là một ngày có thật.';
export const VnDay = z
  .string({ error: coded('PERIOD_INVALID', DAY_INVALID) })
  .refine(isDate, coded('PERIOD_INVALID', DAY_INVALID));

/** from/to, both required: reports, dossier figures, follow-up counts */
export const DayRange = z.object({ from: VnDay, to: VnDay });

export const PeriodKind = z.enum(PERIOD_KINDS, {
  error: coded('PERIOD_INVALID', 'Kỳ phải là: tuần này, tháng này, quý này, năm nay hoặc tùy chọn.'),
});
/** a named period (default: this month), or custom with from/to */
export const PeriodQuery = z.object({
  period: PeriodKind.optional(),
  from: VnDay.optional(),
  to: VnDay.optional(),
});
export type PeriodQuery = z.infer<typeof PeriodQuery>;

/** a commune code in a query (the readable-commune check says whether the user may read it) */
export const CommuneCode = z
  .string({ error: coded('INVALID_INPUT', '(commune)') })
  .regex(/^[A-Za-z0-9_-]{1,32}$/, coded('INVALID_INPUT', '(commune)'));
