import { z } from 'zod';
import { Level } from '../levels.ts';

/**
 * The shapes of the figures the read side answers (satisfaction views, review report, console API): one zod
 * schema each, the TypeScript types inferred from them, so the console's API schemas reuse them as they are.
 */

/** ratings per level; a level without a rating may be absent */
export const LevelCounts = z.partialRecord(Level, z.number());
export type LevelCounts = z.infer<typeof LevelCounts>;

const Previous = z.object({ n: z.number(), index: z.number().nullable() });

export const RankingRow = z.object({
  code: z.string(),
  name: z.string(),
  district: z.string().nullable(),
  counts: LevelCounts,
  n: z.number(),
  index: z.number().nullable(),
  shrunk: z.number().nullable(),
  rank: z.number().nullable(),
  previous: Previous,
  /** index − previous index, percentage points; null without both */
  change: z.number().nullable(),
  fewRatings: z.boolean(),
  /** ids of the commune's rating boxes with no rating over the last SILENT_DAYS Vietnam days of the period */
  silentBoxes: z.array(z.string()),
});
export type RankingRow = z.infer<typeof RankingRow>;

export const Ranking = z.object({
  areaMean: z.number().nullable(),
  n: z.number(),
  index: z.number().nullable(),
  rows: z.array(RankingRow),
});
export type Ranking = z.infer<typeof Ranking>;

/** a week (from Monday) or a calendar month; `start` is its first instant (UTC ISO) */
export const TrendPoint = z.object({
  start: z.string(),
  n: z.number(),
  index: z.number().nullable(),
  counts: LevelCounts,
});
export type TrendPoint = z.infer<typeof TrendPoint>;

/** weekday 1 (Monday) … 7 (Sunday), hour 0–23, Vietnam time */
export const HeatCell = z.object({
  weekday: z.number(),
  hour: z.number(),
  n: z.number(),
  satisfied: z.number(),
  index: z.number().nullable(),
});
export type HeatCell = z.infer<typeof HeatCell>;

/** a counter or an officer, ranked within the commune */
export const Ranked = z.object({
  key: z.string(),
  name: z.string(),
  n: z.number(),
  index: z.number().nullable(),
  shrunk: z.number().nullable(),
  rank: z.number().nullable(),
  counts: LevelCounts,
});
export type Ranked = z.infer<typeof Ranked>;

export const CommuneDetail = z.object({
  code: z.string(),
  name: z.string(),
  counts: LevelCounts,
  n: z.number(),
  index: z.number().nullable(),
  previous: Previous,
  weekly: z.array(TrendPoint),
  monthly: z.array(TrendPoint),
  counters: z.array(Ranked),
  /** null: not shown to this user; [] : no officer data recorded */
  officers: z.array(Ranked).nullable(),
  heatMap: z.array(HeatCell),
  accepted: z.number(),
  rejectedLockout: z.number(),
});
export type CommuneDetail = z.infer<typeof CommuneDetail>;

/** the Decision 766 service figure of a commune and period (decision766.ts) */
export const Decision766 = z.object({
  dossiers: z.number(),
  late: z.number(),
  complainedOrUnsatisfied: z.number(),
  latePct: z.number().nullable(),
  complaintPct: z.number().nullable(),
  figure: z.number().nullable(),
});
export type Decision766 = z.infer<typeof Decision766>;

export const IndexResult = z.object({ n: z.number(), satisfied: z.number(), index: z.number().nullable() });
export type IndexResult = z.infer<typeof IndexResult>;
