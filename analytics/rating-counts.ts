import { DAY_MS, vnDayStart } from '../collector/presence-vntime.ts';
import { MEASUREMENTS } from '../collector/schema.ts';
import type { LevelKey } from '../devices/levels.ts';
import type { Series } from '../report/influx.ts';
import { cqName, DAILY_RP, RESAMPLE_FOR_MS, VN_TZ } from './retention.ts';
import type { LevelCounts } from './satisfaction.ts';

/**
 * Counts of ratings per level, for the console, the report and the benchmark: the same numbers the Grafana
 * panels count from the raw points, read mostly from the daily aggregates (retention.ts, `daily.rating_daily`:
 * one point per day, box, level and tag set) so a year of a province costs a few hundred thousand daily points
 * at most instead of every rating, and closed days are cached in memory.
 *
 * A day is "closed" once the continuous query can no longer rewrite it: it recomputes the last RESAMPLE_FOR
 * (3 days) every hour to fold in ratings that reached the collector late, so days before
 * vnDayStart(now) − RESAMPLE_FOR are final and read from the aggregates (and cached: they do not change);
 * the days after (today and the resample window, a few thousand raw points) are read raw, so a rating stored
 * a second ago counts at once. Without the continuous query (a database set up by hand, tests seeding raw
 * points) everything is read raw. Not covered: a rating stored more than RESAMPLE_FOR after its day (a box
 * offline for longer) is in the raw points but never in the daily aggregates, as for Grafana's long trend.
 */
export type QueryRunner = (query: string) => Promise<Series[]>;
export type Span = { startMs: number; endMs: number };
export type CountsDeps = { run: QueryRunner; database: string; now: number; cache?: ClosedDayCache };

/** Counts of closed days by query, least recently used dropped first; and whether the aggregates exist. */
export class ClosedDayCache {
  readonly #entries = new Map<string, ReadonlyMap<string, LevelCounts>>();
  #daily: { database: string; available: boolean; at: number } | undefined;
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    readonly maxEntries = 2_000,
    /** how long the answer "the database has the daily aggregates" is trusted */
    readonly recheckMs = 60_000,
  ) {}

  get(key: string): ReadonlyMap<string, LevelCounts> | undefined {
    const v = this.#entries.get(key);
    if (v) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
      this.stats.hits++;
    } else this.stats.misses++;
    return v;
  }

  set(key: string, value: ReadonlyMap<string, LevelCounts>): void {
    this.#entries.set(key, value);
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(k);
    }
  }

  dailyKnown(database: string, now: number): boolean | undefined {
    const d = this.#daily;
    return d && d.database === database && now - d.at < this.recheckMs && now >= d.at ? d.available : undefined;
  }

  rememberDaily(database: string, available: boolean, now: number): void {
    this.#daily = { database, available, at: now };
  }
}

const DAILY = `"${DAILY_RP}"."rating_daily"`;
const span = (s: Span) => `time >= ${s.startMs}ms AND time < ${s.endMs}ms`;
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
const timeOf = (v: unknown) => (typeof v === 'number' ? v : Date.parse(String(v)));

/** Days before this instant are final in the daily aggregates (see above). */
export function closedBefore(now: number): number {
  return vnDayStart(now) - RESAMPLE_FOR_MS;
}

/** Whether the database keeps the daily rating aggregates (its continuous query exists). */
export async function hasDailyRatings(deps: CountsDeps): Promise<boolean> {
  const known = deps.cache?.dailyKnown(deps.database, deps.now);
  if (known !== undefined) return known;
  const series = await deps.run('SHOW CONTINUOUS QUERIES');
  const mine = series.find((s) => s.name === deps.database);
  const available = (mine?.values ?? []).some((v) => v[0] === cqName('rating_daily'));
  deps.cache?.rememberDaily(deps.database, available, deps.now);
  return available;
}

/**
 * Splits a span into its closed whole Vietnam days (from the aggregates) and the rest (raw): the part before
 * the first midnight, and the part from the last closed midnight on. `closed` is null when there is none.
 */
export function splitSpan(s: Span, now: number): { closed: Span | null; raw: Span[] } {
  const first = vnDayStart(s.startMs) === s.startMs ? s.startMs : vnDayStart(s.startMs) + DAY_MS;
  const last = Math.min(vnDayStart(s.endMs), closedBefore(now));
  if (first >= last) return { closed: null, raw: s.endMs > s.startMs ? [s] : [] };
  const raw = [{ startMs: s.startMs, endMs: first }, { startMs: last, endMs: s.endMs }].filter((x) => x.endMs > x.startMs);
  return { closed: { startMs: first, endMs: last }, raw };
}

function addSeries(out: Map<string, LevelCounts>, series: Series[], keyOf: (s: Series, row: unknown[]) => string): void {
  for (const x of series) {
    const level = x.tags?.level as LevelKey;
    const ni = x.columns.indexOf('n');
    for (const row of x.values) {
      const key = keyOf(x, row);
      const counts = out.get(key) ?? {};
      counts[level] = (counts[level] ?? 0) + num(row[ni]);
      out.set(key, counts);
    }
  }
}

function mergeInto(out: Map<string, LevelCounts>, part: ReadonlyMap<string, LevelCounts>): void {
  for (const [key, c] of part) {
    const counts = out.get(key) ?? {};
    for (const [level, n] of Object.entries(c) as [LevelKey, number][]) counts[level] = (counts[level] ?? 0) + n;
    out.set(key, counts);
  }
}

/**
 * The shared read: closed days through the cache from the aggregates, the rest raw, summed per key.
 * `daily`/`raw` build the two queries (same grouping), `keyOf` names a result row's key.
 */
async function hybrid(deps: CountsDeps, id: string, s: Span, daily: (c: Span) => string, raw: (r: Span) => string, keyOf: (x: Series, row: unknown[]) => string): Promise<Map<string, LevelCounts>> {
  const out = new Map<string, LevelCounts>();
  const parts = (await hasDailyRatings(deps)) ? splitSpan(s, deps.now) : { closed: null, raw: s.endMs > s.startMs ? [s] : [] };
  const closed = async (c: Span) => {
    const key = `${deps.database}|${id}|${c.startMs}|${c.endMs}`;
    let part = deps.cache?.get(key);
    if (!part) {
      const m = new Map<string, LevelCounts>();
      addSeries(m, await deps.run(daily(c)), keyOf);
      part = m;
      deps.cache?.set(key, m);
    }
    return part;
  };
  const results = await Promise.all([
    ...(parts.closed ? [closed(parts.closed)] : []),
    ...parts.raw.map(async (r) => {
      const m = new Map<string, LevelCounts>();
      addSeries(m, await deps.run(raw(r)), keyOf);
      return m;
    }),
  ]);
  for (const r of results) mergeInto(out, r);
  return out;
}

/** Counts per level grouped by `tag` (commune, counter, officer, device) over a span. */
export function countsBy(deps: CountsDeps, tag: string, where: string, s: Span): Promise<Map<string, LevelCounts>> {
  const by = `GROUP BY "${tag}", "level"`;
  return hybrid(
    deps, `by:${tag}|${where}`, s,
    (c) => `SELECT sum("n") AS "n" FROM ${DAILY} WHERE ${where} AND ${span(c)} ${by}`,
    (r) => `SELECT count("value") AS "n" FROM "${MEASUREMENTS.rating}" WHERE ${where} AND ${span(r)} ${by}`,
    (x) => x.tags?.[tag] ?? '',
  );
}

/** Counts per level per Vietnam day (key: the day's start, UTC ms, as a string) over a span. */
export function countsByDay(deps: CountsDeps, where: string, s: Span): Promise<Map<string, LevelCounts>> {
  const by = `GROUP BY time(1d), "level" fill(none) tz('${VN_TZ}')`;
  return hybrid(
    deps, `day|${where}`, s,
    (c) => `SELECT sum("n") AS "n" FROM ${DAILY} WHERE ${where} AND ${span(c)} ${by}`,
    (r) => `SELECT count("value") AS "n" FROM "${MEASUREMENTS.rating}" WHERE ${where} AND ${span(r)} ${by}`,
    (x, row) => String(timeOf(row[x.columns.indexOf('time')])),
  );
}
