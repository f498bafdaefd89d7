import { z } from 'zod';
import { CommuneDetail, Ranking } from '../../devices/analytics/figures.ts';
import { Level } from '../../devices/levels.ts';
import { coded } from './coded.ts';
import { DeviceView } from './device.ts';
import { CommuneCode, PeriodKind, PeriodQuery, VnDay } from './period.ts';

/**
 * The "Mức độ hài lòng" API: the areas a user may read, an area's ranking, one commune's detail, the review
 * appendix. The figures' shapes are the read side's (devices/analytics/figures.ts); this adds what the console
 * wraps around them: the period in words, the devices, and the labels the browser shows.
 */

export { PeriodQuery };
export const AreaLevel = z.enum(['province', 'district']);
export const AreaOption = z.object({
  code: z.string(),
  level: AreaLevel,
  name: z.string(),
  communes: z.array(z.string()),
});
export type AreaOption = z.infer<typeof AreaOption>;

const Named = z.object({ code: z.string(), name: z.string() });
export const SatisfactionAreas = z.object({
  areas: z.array(AreaOption),
  communes: z.array(Named),
  /** the periods in words, in the order offered */
  periods: z.array(z.object({ kind: PeriodKind, label: z.string() })),
  /** the rating levels in words, best first */
  levels: z.array(z.object({ key: Level, label: z.string() })),
  /** Thứ Hai … Chủ nhật (weekday 1 … 7) */
  weekdays: z.array(z.string()).length(7),
});
export type SatisfactionAreas = z.infer<typeof SatisfactionAreas>;

export const PeriodView = z.object({
  kind: PeriodKind,
  label: z.string(),
  from: z.string(),
  to: z.string(),
  /** dd/mm/yyyy – dd/mm/yyyy */
  text: z.string(),
  previousText: z.string(),
});
export type PeriodView = z.infer<typeof PeriodView>;

export const RankingQuery = PeriodQuery.extend({ area: z.string().max(64).optional() });
export const RankingAnswer = Ranking.extend({
  area: AreaOption.pick({ code: true, level: true, name: true }),
  period: PeriodView,
});
export type RankingAnswer = z.infer<typeof RankingAnswer>;

export const CommuneParams = z.object({ code: CommuneCode });
/** a device of the commune as the devices view describes it, with its uptime over this week (0..1) */
export const SatisfactionDevice = DeviceView.pick({
  id: true,
  kind: true,
  kindLabel: true,
  place: true,
  online: true,
  stateLabel: true,
  lastSeen: true,
}).extend({ uptimeWeek: z.number() });
export const CommuneAnswer = CommuneDetail.extend({
  period: PeriodView,
  uptime: z.number().nullable(),
  devices: z.array(SatisfactionDevice),
  offlineNow: z.number(),
});
export type CommuneAnswer = z.infer<typeof CommuneAnswer>;

const REPORT_MISSING =
  'Cần địa bàn (area), từ ngày (from), đến ngày (to) dạng NNNN-TT-NN và định dạng csv, totals hoặc html.';
const required = <T extends z.ZodType>(s: T) =>
  z
    .unknown()
    .refine((v) => v !== undefined && v !== '', coded('INVALID_INPUT', REPORT_MISSING))
    .pipe(s);
export const REPORT_FORMATS = ['csv', 'totals', 'html'] as const;
export const ReportQuery = z.object({
  area: required(z.string().max(64)),
  from: required(VnDay),
  to: required(VnDay),
  format: z.enum(REPORT_FORMATS, { error: coded('INVALID_INPUT', REPORT_MISSING) }).default('csv'),
});
/** the appendix file itself: CSV (UTF-8 with BOM) or the printable HTML */
export const ReportFileAnswer = z.string();
