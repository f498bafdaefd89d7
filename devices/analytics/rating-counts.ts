import { DAY_MS, VN_ZONE, vnDayStart } from '../time/vietnam.ts';
import { cqName, DAILY_RP, MEASUREMENTS, RESAMPLE_FOR_MS, type QueryRunner, type Series } from '../storage/index.ts';
import type { LevelKey } from '../levels.ts';
import type { LevelCounts } from './satisfaction.ts';

/**
 * Counts of ratings per level, for the console, the report and the benchmark: the same numbers the Grafana
 * panels count from the raw points, read mostly from the daily aggregates (devices/storage, `daily.rating_daily`:
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
export type { QueryRunner };
export type Span = { startMs: number; endMs: number };
/** `maxAgeMs`: re-read cached days older than this (default the cache's own; a background refresh asks less) */
export type CountsDeps = { run: QueryRunner; database: string; now: number; cache?: ClosedDayCache; maxAgeMs?: number };

/**
 * Counts of closed days, per day and query (a query = a grouping tag and a WHERE), and whether the database has
 * the aggregates. Per day, so every period (week, month, a custom range, the previous period) is summed from the
 * same cached days. Bounded: the least recently used query's days are dropped first. A day is read again after
 * `maxAgeMs`: the continuous queries never change a closed day, but a bulk load, a restore from backup or a
 * manual backfill of the aggregates can.
 */
type CachedDay = { at: number; counts: ReadonlyMap<string, LevelCounts> };

export class ClosedDayCache {
  readonly #days = new Map<string, Map<number, CachedDay>>();
  #daily: { database: string; available: boolean; at: number } | undefined;
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    /** day entries kept over all queries (a province of 100 communes over two years: 730) */
    readonly maxDays = 50_000,
    /** how long the answer "the database has the daily aggregates" is trusted */
    readonly recheckMs = 60_000,
    readonly maxAgeMs = 6 * 3_600_000,
  ) {}

  /** The days of one query (created empty), marked most recently used. */
  days(id: string): Map<number, CachedDay> {
    const v = this.#days.get(id) ?? new Map();
    this.#days.delete(id);
    this.#days.set(id, v);
    return v;
  }

  fresh(day: CachedDay | undefined, now: number, maxAgeMs = this.maxAgeMs): day is CachedDay {
    return day !== undefined && now - day.at < maxAgeMs && now >= day.at;
  }

  /** Drops the least recently used queries' days while over the bound (never the one just used). */
  trim(): void {
    let total = [...this.#days.values()].reduce((n, d) => n + d.size, 0);
    for (const [id, d] of this.#days) {
      if (total <= this.maxDays || this.#days.size === 1) break;
      total -= d.size;
      this.#days.delete(id);
    }
  }

  dailyKnown(database: string, now: number): boolean | undefined {
    const d = this.#daily;
    return d && d.database === database && now - d.at < this.recheckMs && now >= d.at ? d.available : undefined;
  }

  /** Only a yes is remembered: a database given its continuous queries later is read from them at once. */
  rememberDaily(database: string, available: boolean, now: number): void {
    this.#daily = available ? { database, available, at: now } : undefined;
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
  const raw = [
    { startMs: s.startMs, endMs: first },
    { startMs: last, endMs: s.endMs },
  ].filter((x) => x.endMs > x.startMs);
  return { closed: { startMs: first, endMs: last }, raw };
}

function addSeries(
  out: Map<string, LevelCounts>,
  series: Series[],
  keyOf: (s: Series, row: unknown[]) => string,
): void {
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
 * The closed days of `c` for one query, per Vietnam day: from the cache, the missing days in one query over the
 * aggregates (`daily` must GROUP BY time(1d) in Vietnam time). A day without ratings is kept as an empty map.
 */
async function closedDays(
  deps: CountsDeps,
  id: string,
  c: Span,
  daily: (c: Span) => string,
  keyOf: (x: Series) => string,
): Promise<Map<number, ReadonlyMap<string, LevelCounts>>> {
  const store = deps.cache?.days(`${deps.database}|${id}`) ?? new Map<number, CachedDay>();
  const fresh = (d: CachedDay | undefined): d is CachedDay =>
    deps.cache ? deps.cache.fresh(d, deps.now, deps.maxAgeMs) : d !== undefined;
  const missing: number[] = [];
  for (let d = c.startMs; d < c.endMs; d += DAY_MS) if (!fresh(store.get(d))) missing.push(d);
  if (missing.length) {
    const fetch = { startMs: missing[0], endMs: missing[missing.length - 1] + DAY_MS };
    const byDay = new Map<number, Map<string, LevelCounts>>();
    for (let d = fetch.startMs; d < fetch.endMs; d += DAY_MS) byDay.set(d, new Map());
    for (const x of await deps.run(daily(fetch))) {
      const level = x.tags?.level as LevelKey;
      const [ti, ni] = [x.columns.indexOf('time'), x.columns.indexOf('n')];
      for (const row of x.values) {
        const day = byDay.get(timeOf(row[ti]));
        if (!day) continue;
        const counts = day.get(keyOf(x)) ?? {};
        counts[level] = (counts[level] ?? 0) + num(row[ni]);
        day.set(keyOf(x), counts);
      }
    }
    for (const [d, m] of byDay) store.set(d, { at: deps.now, counts: m });
    if (deps.cache) deps.cache.stats.misses++;
    deps.cache?.trim();
  } else if (deps.cache) deps.cache.stats.hits++;
  const out = new Map<number, ReadonlyMap<string, LevelCounts>>();
  for (let d = c.startMs; d < c.endMs; d += DAY_MS) out.set(d, store.get(d)!.counts);
  return out;
}

async function rawCounts(
  deps: CountsDeps,
  spans: Span[],
  raw: (r: Span) => string,
  keyOf: (x: Series, row: unknown[]) => string,
): Promise<Map<string, LevelCounts>> {
  const out = new Map<string, LevelCounts>();
  for (const series of await Promise.all(spans.map((r) => deps.run(raw(r))))) addSeries(out, series, keyOf);
  return out;
}

async function parts(deps: CountsDeps, s: Span): Promise<{ closed: Span | null; raw: Span[] }> {
  return (await hasDailyRatings(deps)) ? splitSpan(s, deps.now) : { closed: null, raw: s.endMs > s.startMs ? [s] : [] };
}

const DAILY_BY_DAY = `fill(none) tz('${VN_ZONE}')`;

/**
 * Counts per level grouped by `tag` (commune, counter, officer, device) over a span. `raw`: read the recent raw
 * points grouped by a finer tag and fold its values into keys (e.g. by device, folded into communes), so that
 * two reads of one request ask InfluxDB the same raw query (onceRunner).
 */
export async function countsBy(
  deps: CountsDeps,
  tag: string,
  where: string,
  s: Span,
  o: { raw?: { tag: string; key: (value: string) => string } } = {},
): Promise<Map<string, LevelCounts>> {
  const p = await parts(deps, s);
  const rawTag = o.raw?.tag ?? tag;
  const rawKey = o.raw?.key ?? ((v: string) => v);
  const [closed, raw] = await Promise.all([
    p.closed
      ? closedDays(
          deps,
          `by:${tag}|${where}`,
          p.closed,
          (c) =>
            `SELECT sum("n") AS "n" FROM ${DAILY} WHERE ${where} AND ${span(c)} GROUP BY time(1d), "${tag}", "level" ${DAILY_BY_DAY}`,
          (x) => x.tags?.[tag] ?? '',
        )
      : null,
    rawCounts(
      deps,
      p.raw,
      (r) =>
        `SELECT count("value") AS "n" FROM "${MEASUREMENTS.rating}" WHERE ${where} AND ${span(r)} GROUP BY "${rawTag}", "level"`,
      (x) => rawKey(x.tags?.[rawTag] ?? ''),
    ),
  ]);
  const out = new Map<string, LevelCounts>();
  for (const day of closed?.values() ?? []) mergeInto(out, day);
  mergeInto(out, raw);
  return out;
}

/** Counts per level per Vietnam day (key: the day's start, UTC ms, as a string) over a span. */
export async function countsByDay(deps: CountsDeps, where: string, s: Span): Promise<Map<string, LevelCounts>> {
  const p = await parts(deps, s);
  const [closed, raw] = await Promise.all([
    p.closed
      ? closedDays(
          deps,
          `day|${where}`,
          p.closed,
          (c) =>
            `SELECT sum("n") AS "n" FROM ${DAILY} WHERE ${where} AND ${span(c)} GROUP BY time(1d), "level" ${DAILY_BY_DAY}`,
          () => '',
        )
      : null,
    rawCounts(
      deps,
      p.raw,
      (r) =>
        `SELECT count("value") AS "n" FROM "${MEASUREMENTS.rating}" WHERE ${where} AND ${span(r)} GROUP BY time(1d), "level" ${DAILY_BY_DAY}`,
      (x, row) => String(timeOf(row[x.columns.indexOf('time')])),
    ),
  ]);
  const out = new Map<string, LevelCounts>();
  for (const [d, day] of closed ?? []) if (day.size) mergeInto(out, new Map([[String(d), day.get('')!]]));
  mergeInto(out, raw);
  return out;
}

/** A runner that asks InfluxDB once for a query text asked several times (the reads of one request). */
export function onceRunner(run: QueryRunner): QueryRunner {
  const asked = new Map<string, Promise<Series[]>>();
  return (q) => {
    let p = asked.get(q);
    if (!p) asked.set(q, (p = run(q)));
    return p;
  };
}
