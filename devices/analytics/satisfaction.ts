import { LEVEL_KEYS, SATISFACTION_LEVELS, type LevelKey } from '../levels.ts';
import { MEASUREMENTS } from '../storage/measurements.ts';

/**
 * THE satisfaction index (chỉ số hài lòng), used by the dashboards, the console and the review report.
 *
 * Formula: index = 100 × (ratings "Hài lòng" + "Rất hài lòng") / (all ratings), i.e. the percentage of
 * satisfied ratings ("top-two-box"), on 0..100.
 * Source: the Ministry of Home Affairs' SIPAS method (Đề án "Đo lường sự hài lòng của người dân, tổ chức
 * đối với sự phục vụ của cơ quan hành chính nhà nước giai đoạn 2017–2025", Quyết định 2640/QĐ-BNV
 * ngày 10/10/2017), which reports satisfaction as the share of "hài lòng" + "rất hài lòng" answers.
 * It works unchanged for boxes configured without "Bình thường" (a subset of the four levels).
 *
 * Small samples: a commune with 5 ratings must not outrank one with 5,000. Rankings use a Bayesian
 * average (beta-binomial posterior mean) that shrinks each unit toward its area's pooled mean:
 *   shrunk = 100 × (satisfied + m × p0) / (n + m)
 * where p0 = pooled share of satisfied ratings of the whole area (province/district being ranked) and
 * m = PRIOR_WEIGHT pseudo-ratings. m = 50 ≈ two weeks of ratings at a small commune's one-stop: a unit
 * needs about that many ratings before its own data outweighs the area mean. The raw index and the
 * count n are always shown beside the shrunk one.
 */

/** A rating is "satisfied" at this value or above ("Hài lòng" = 3, "Rất hài lòng" = 4). */
export const SATISFIED_MIN_VALUE = SATISFACTION_LEVELS['hai-long'].value;
export const SATISFIED_LEVELS: readonly LevelKey[] = LEVEL_KEYS.filter(
  (k) => SATISFACTION_LEVELS[k].value >= SATISFIED_MIN_VALUE,
);
/** pseudo-ratings of the prior (see above) */
export const PRIOR_WEIGHT = 50;

export type LevelCounts = Partial<Record<LevelKey, number>>;
export type IndexResult = { n: number; satisfied: number; index: number | null };

export function totalCount(counts: LevelCounts): number {
  return LEVEL_KEYS.reduce((s, k) => s + (counts[k] ?? 0), 0);
}

export function satisfiedCount(counts: LevelCounts): number {
  return SATISFIED_LEVELS.reduce((s, k) => s + (counts[k] ?? 0), 0);
}

/** Raw index: null when there is no rating (never 0, which would read as "everyone unhappy"). */
export function satisfactionIndex(counts: LevelCounts): IndexResult {
  const n = totalCount(counts);
  const satisfied = satisfiedCount(counts);
  return { n, satisfied, index: n === 0 ? null : (100 * satisfied) / n };
}

/** Pooled share (0..1) of satisfied ratings over units; null without ratings. */
export function areaMean(units: readonly LevelCounts[]): number | null {
  let n = 0;
  let s = 0;
  for (const u of units) {
    n += totalCount(u);
    s += satisfiedCount(u);
  }
  return n === 0 ? null : s / n;
}

/** Bayesian average toward p0 (0..1) with m pseudo-ratings; on 0..100. */
export function shrunkIndex(satisfied: number, n: number, p0: number, m = PRIOR_WEIGHT): number {
  return (100 * (satisfied + m * p0)) / (n + m);
}

export type Ranked<T> = T & IndexResult & { shrunk: number | null; rank: number | null };

/**
 * Ranks units by shrunk index (highest first; ties by larger n, then by input order).
 * Units without ratings get no rank and come last.
 */
export function rankUnits<T>(units: readonly T[], counts: (u: T) => LevelCounts, m = PRIOR_WEIGHT): Ranked<T>[] {
  const p0 = areaMean(units.map(counts));
  const rows = units.map((u, i) => {
    const r = satisfactionIndex(counts(u));
    const shrunk = p0 === null || r.n === 0 ? null : shrunkIndex(r.satisfied, r.n, p0, m);
    return { ...u, ...r, shrunk, rank: null as number | null, i };
  });
  const ranked = rows.filter((r) => r.shrunk !== null).sort((a, b) => b.shrunk! - a.shrunk! || b.n - a.n || a.i - b.i);
  ranked.forEach((r, k) => (r.rank = k + 1));
  const unranked = rows.filter((r) => r.shrunk === null);
  return [...ranked, ...unranked].map(({ i: _i, ...r }) => r as Ranked<T>);
}

// ---- InfluxQL: the same formula inside the database (dashboards) ----

/**
 * Per-rating 0/1 "satisfied" indicator as an InfluxQL expression: floor(value / 3) is 1 for 3 and 4,
 * 0 for 1 and 2. Checked against SATISFIED_MIN_VALUE for every level below, so a change of the scale
 * fails at import rather than silently skewing the dashboards.
 */
export const SATISFIED_EXPR = `floor("value" / ${SATISFIED_MIN_VALUE})`;
for (const k of LEVEL_KEYS) {
  const v = SATISFACTION_LEVELS[k].value;
  if (Math.floor(v / SATISFIED_MIN_VALUE) !== (v >= SATISFIED_MIN_VALUE ? 1 : 0)) {
    throw new Error(`SATISFIED_EXPR does not fit level ${k} (value ${v})`);
  }
}

/** Raw ratings → one row per rating with field "s" (0/1), keeping the tags in `groupBy`. */
export function satisfiedSubquery(where: string, groupBy: readonly string[] = []): string {
  const g = groupBy.length ? ` GROUP BY ${groupBy.map((t) => `"${t}"`).join(', ')}` : '';
  return `SELECT ${SATISFIED_EXPR} AS "s" FROM "${MEASUREMENTS.rating}" WHERE ${where}${g}`;
}

/** InfluxQL select list: raw index and count over "s". */
export const INDEX_SELECT = `100 * mean("s") AS "index", count("s") AS "n"`;

/** InfluxQL select list: shrunk index toward p0 (an expression, e.g. a Grafana variable) with m pseudo-ratings. */
export function shrunkSelect(p0: string, m: string | number = PRIOR_WEIGHT): string {
  return `100 * (sum("s") + ${m} * ${p0}) / (count("s") + ${m}) AS "shrunk"`;
}

/**
 * The same from the daily aggregates (devices/storage/continuous-queries.ts: rating_daily has n per level and the
 * level's value), for ranges older than the raw retention: one row per day and level with "n" and "sat".
 */
export function dailySatisfiedSubquery(from: string, where: string): string {
  return `SELECT "n", "n" * floor("value" / ${SATISFIED_MIN_VALUE}) AS "sat" FROM ${from} WHERE ${where}`;
}

/** InfluxQL select list over dailySatisfiedSubquery rows. */
export const DAILY_INDEX_SELECT = `100 * sum("sat") / sum("n") AS "index", sum("n") AS "n"`;
