import type { InfluxDB } from 'influx';
import { MEASUREMENTS } from '../storage/measurements.ts';
import { DAY_MS, VN_OFFSET_MS, VN_ZONE, vnDayStart, vnWeekday } from '../time/vietnam.ts';
import { LEVEL_KEYS } from '../levels.ts';
import type { Commune, Registry } from '../registry/index.ts';
import type { Series } from '../storage/influxql.ts';
import { countsBy, countsByDay, hasDailyRatings, onceRunner, type ClosedDayCache } from './rating-counts.ts';
import {
  PRIOR_WEIGHT,
  rankUnits,
  satisfactionIndex,
  satisfiedSubquery,
  totalCount,
  type LevelCounts,
} from './satisfaction.ts';
import { cameraUptime, uptime, type UptimeRow } from './uptime.ts';
import type { CommuneDetail, HeatCell, Ranked, Ranking, TrendPoint } from './figures.ts';

export type { CommuneDetail, HeatCell, Ranked, Ranking, RankingRow, TrendPoint } from './figures.ts';

/**
 * The figures of the satisfaction views (console "Mức độ hài lòng", review report, and the same definitions as
 * the Grafana panels): counts per level from InfluxDB, the index and shrinkage of satisfaction.ts, uptime of
 * uptime.ts. Everything takes a time span [startMs, endMs) and returns plain data; nothing here formats.
 */
export type QueryRunner = (query: string) => Promise<Series[]>;
/** `cache`: closed days' counts kept between requests (rating-counts.ts); absent = none kept */
export type ViewDeps = {
  run: QueryRunner;
  influx: InfluxDB;
  database: string;
  now: number;
  cache?: ClosedDayCache;
  maxAgeMs?: number;
};

/** A commune is flagged "few ratings" below this count: its own data then weighs less than the area mean. */
export const FEW_RATINGS = PRIOR_WEIGHT;
/**
 * A rating box with no rating over the last SILENT_DAYS Vietnam days of the period is a silent box (for a period
 * ending now, the last of them is today so far).
 */
export const SILENT_DAYS = 4;

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
const span = (s: { startMs: number; endMs: number }) => `time >= ${s.startMs}ms AND time < ${s.endMs}ms`;
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

/**
 * WHERE fragment of some communes: a whole province as one `"province" = …` (InfluxDB answers it from its
 * index; a long OR list of communes is much slower), the rest as an OR list. Callers read only the asked codes.
 */
export function communesCondition(codes: readonly string[], registry?: Registry): string {
  const asked = new Set(codes);
  const parts: string[] = [];
  const rest = new Set(codes);
  for (const p of registry?.file.provinces ?? []) {
    const all = [...registry!.communes.values()].filter((x) => x.province.code === p.code).map((x) => x.commune.code);
    if (all.length && all.every((c) => asked.has(c))) {
      parts.push(`"province" = '${esc(p.code)}'`);
      all.forEach((c) => rest.delete(c));
    }
  }
  parts.push(...[...rest].map((c) => `"commune" = '${esc(c)}'`));
  return `(${parts.join(' OR ')})`;
}

/** WHERE fragment of the provinces holding `codes` (the tag every point carries). */
export function provincesCondition(codes: readonly string[], registry: Registry): string {
  const provinces = [
    ...new Set(codes.map((c) => registry.communes.get(c)?.province.code).filter((p): p is string => !!p)),
  ].sort();
  return `(${provinces.map((p) => `"province" = '${esc(p)}'`).join(' OR ')})`;
}

/**
 * Reads the closed days of the last `days` days of every province's communes into the cache, in the background
 * at the console's start so the first province view is as fast as the next ones, and again before they expire
 * (days older than `deps.maxAgeMs` are re-read) so no user's request pays for it. Errors are the caller's to log.
 */
export async function preloadProvinces(deps: ViewDeps, registry: Registry, days = 2 * 366 + 31): Promise<void> {
  if (!deps.cache || !(await hasDailyRatings(deps))) return;
  const all = [...registry.communes.values()];
  for (const p of registry.file.provinces) {
    const codes = all.filter((x) => x.province.code === p.code).map((x) => x.commune.code);
    if (codes.length)
      await countsBy(deps, 'commune', provincesCondition(codes, registry), {
        startMs: vnDayStart(deps.now) - days * DAY_MS,
        endMs: vnDayStart(deps.now),
      });
  }
}

/** Every commune of `communes` ranked by the shrunk index toward the pooled mean of exactly these communes. */
export async function areaRanking(
  deps: ViewDeps,
  registry: Registry,
  communes: readonly string[],
  period: { startMs: number; endMs: number },
  previous: { startMs: number; endMs: number },
): Promise<Ranking> {
  if (!communes.length) return { areaMean: null, n: 0, index: null, rows: [] };
  // the counts of whole provinces, of which only the asked communes are read: every user of a province (a district
  // officer reading part of it too) shares the same cached days (rating-counts.ts, preloadProvinces)
  const provinces = provincesCondition(communes, registry);
  const silentSpan = {
    startMs: Math.max(period.startMs, vnDayStart(period.endMs - 1) - (SILENT_DAYS - 1) * DAY_MS),
    endMs: period.endMs,
  };
  // the recent raw points by box, once: folded into communes for the ranking, read as they are for silent boxes
  const once = { ...deps, run: onceRunner(deps.run) };
  const byDevice = { raw: { tag: 'device', key: (id: string) => registry.device(id)?.commune.code ?? '' } };
  const [now, before, byBox] = await Promise.all([
    countsBy(once, 'commune', provinces, period, byDevice),
    countsBy(once, 'commune', provinces, previous, byDevice),
    countsBy(once, 'device', provinces, silentSpan),
  ]);
  const base = communes.map((code) => {
    const p = registry.communes.get(code)!;
    const boxes = p.commune.devices.filter((d) => d.kind === 'rating-box').map((d) => d.id);
    return { code, name: p.commune.name, district: p.district?.name ?? null, counts: now.get(code) ?? {}, boxes };
  });
  const ranked = rankUnits(base, (r) => r.counts);
  const all: LevelCounts = {};
  for (const r of base) for (const k of LEVEL_KEYS) all[k] = (all[k] ?? 0) + (r.counts[k] ?? 0);
  const total = satisfactionIndex(all);
  return {
    areaMean: total.n ? total.satisfied / total.n : null,
    n: total.n,
    index: total.index,
    rows: ranked.map(({ satisfied: _s, boxes, ...r }) => {
      const prev = satisfactionIndex(before.get(r.code) ?? {});
      return {
        ...r,
        previous: { n: prev.n, index: prev.index },
        change: r.index !== null && prev.index !== null ? r.index - prev.index : null,
        fewRatings: r.n < FEW_RATINGS,
        silentBoxes: boxes.filter((b) => totalCount(byBox.get(b) ?? {}) === 0),
      };
    }),
  };
}

/** Ratings per Vietnam day and level (rating-counts.ts), summed into weeks (Monday) and calendar months in JS. */
async function dailyCounts(
  deps: ViewDeps,
  where: string,
  s: { startMs: number; endMs: number },
): Promise<Map<number, LevelCounts>> {
  const days = await countsByDay(deps, where, s);
  return new Map([...days].map(([t, c]) => [Number(t), c]));
}

function bucket(days: Map<number, LevelCounts>, keyOf: (dayMs: number) => number): TrendPoint[] {
  const sums = new Map<number, LevelCounts>();
  for (const [t, c] of days) {
    const k = keyOf(t);
    const s = sums.get(k) ?? {};
    for (const l of LEVEL_KEYS) if (c[l]) s[l] = (s[l] ?? 0) + c[l]!;
    sums.set(k, s);
  }
  return [...sums]
    .sort((a, b) => a[0] - b[0])
    .map(([k, counts]) => {
      const r = satisfactionIndex(counts);
      return { start: new Date(k).toISOString(), n: r.n, index: r.index, counts };
    });
}

const weekOf = (t: number) => t - (vnWeekday(t) - 1) * DAY_MS;
const monthOf = (t: number) => {
  const d = new Date(t + VN_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - VN_OFFSET_MS;
};

/** Hour-of-day × weekday (Vietnam time) from hourly counts: the Grafana "hourly" panel's query. */
export async function heatMap(
  run: QueryRunner,
  where: string,
  s: { startMs: number; endMs: number },
): Promise<HeatCell[]> {
  const series = await run(
    `SELECT count("s") AS "n", sum("s") AS "satisfied" FROM (${satisfiedSubquery(`${where} AND ${span(s)}`)}) WHERE ${span(s)} GROUP BY time(1h) fill(none) tz('${VN_ZONE}')`,
  );
  const cells = new Map<string, HeatCell>();
  for (const x of series) {
    const [ti, ni, si] = ['time', 'n', 'satisfied'].map((c) => x.columns.indexOf(c));
    for (const v of x.values) {
      const t = typeof v[ti] === 'number' ? (v[ti] as number) : Date.parse(String(v[ti]));
      const weekday = vnWeekday(t);
      const hour = new Date(t + VN_OFFSET_MS).getUTCHours();
      const key = `${weekday}:${hour}`;
      const c = cells.get(key) ?? { weekday, hour, n: 0, satisfied: 0, index: null };
      c.n += num(v[ni]);
      c.satisfied += num(v[si]);
      cells.set(key, c);
    }
  }
  return [...cells.values()]
    .map((c) => ({ ...c, index: c.n ? (100 * c.satisfied) / c.n : null }))
    .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);
}

/**
 * Presses the boxes refused because of the lockout (a child hammering the buttons): the sum of the increases of
 * the heartbeats' cumulative counter. A reboot resets it: the drop is skipped (non_negative_difference), and the
 * presses counted between the reboot and its first heartbeat are not seen (a minute's worth at most).
 */
export async function rejectedPresses(
  run: QueryRunner,
  where: string,
  s: { startMs: number; endMs: number },
): Promise<number> {
  const series = await run(
    `SELECT sum("d") AS "rejected" FROM (SELECT non_negative_difference("rejected_lockout") AS "d" FROM "${MEASUREMENTS.deviceState}" WHERE ${where} AND "kind" = 'rating-box' AND ${span(s)} GROUP BY "device")`,
  );
  return num(series[0]?.values[0]?.[series[0].columns.indexOf('rejected')]);
}

function rankGroups(
  groups: Map<string, LevelCounts>,
  name: (key: string) => string,
  keys?: readonly string[],
): Ranked[] {
  const list = (keys ?? [...groups.keys()]).map((key) => ({ key, name: name(key), counts: groups.get(key) ?? {} }));
  return rankUnits(list, (g) => g.counts).map(({ satisfied: _s, ...g }) => g);
}

export async function communeDetail(
  deps: ViewDeps,
  registry: Registry,
  code: string,
  period: { startMs: number; endMs: number },
  previous: { startMs: number; endMs: number },
  o: { officers: boolean },
): Promise<CommuneDetail> {
  const p = registry.communes.get(code)!;
  const where = `"commune" = '${esc(code)}'`;
  const counterName = new Map(p.commune.counters.map((k) => [k.id, k.name]));
  const [byCounter, prev, days, heat, rejected, byOfficer] = await Promise.all([
    countsBy(deps, 'counter', where, period),
    countsBy(deps, 'commune', where, previous),
    dailyCounts(deps, where, period),
    heatMap(deps.run, where, period),
    rejectedPresses(deps.run, where, period),
    o.officers ? countsBy(deps, 'officer', where, period) : Promise.resolve(null),
  ]);
  const counts: LevelCounts = {};
  for (const c of byCounter.values()) for (const k of LEVEL_KEYS) if (c[k]) counts[k] = (counts[k] ?? 0) + c[k]!;
  const r = satisfactionIndex(counts);
  const pr = satisfactionIndex(prev.get(code) ?? {});
  // a rating without an officer tag has key '' (InfluxDB groups a missing tag as empty): not an officer
  const officers = byOfficer ? new Map([...byOfficer].filter(([k]) => k !== '')) : null;
  return {
    code,
    name: p.commune.name,
    counts,
    n: r.n,
    index: r.index,
    previous: { n: pr.n, index: pr.index },
    weekly: bucket(days, weekOf),
    monthly: bucket(days, monthOf),
    counters: rankGroups(
      byCounter,
      (k) => counterName.get(k) ?? k,
      p.commune.counters.map((k) => k.id),
    ),
    officers: officers ? rankGroups(officers, (k) => k) : null,
    heatMap: heat,
    accepted: r.n,
    rejectedLockout: rejected,
  };
}

/** Uptime of each device and camera over a span (clipped to now), 0..1 per id; devices/analytics/uptime.ts. */
export async function uptimeFractions(
  deps: ViewDeps,
  devices: readonly string[],
  cameras: readonly string[],
  s: { startMs: number; endMs: number },
): Promise<Map<string, number>> {
  const common = {
    influx: deps.influx,
    database: deps.database,
    from: s.startMs,
    to: s.endMs,
    now: deps.now,
    granularity: 'day' as const,
  };
  const [d, c] = await Promise.all([uptime({ ...common, devices }), cameraUptime({ ...common, cameras })]);
  const sum = new Map<string, { up: number; total: number }>();
  for (const row of [...d, ...c] as UptimeRow[]) {
    const t = sum.get(row.device) ?? { up: 0, total: 0 };
    sum.set(row.device, { up: t.up + row.upS, total: t.total + row.totalS });
  }
  return new Map([...sum].map(([id, t]) => [id, t.total > 0 ? t.up / t.total : 0]));
}

/** A commune's device uptime: the mean over its speakers and rating boxes (each over the same span). */
export function communeUptime(
  commune: Pick<Commune, 'devices'> | undefined,
  fractions: ReadonlyMap<string, number>,
): number | null {
  const ids = commune?.devices.map((d) => d.id) ?? [];
  if (!ids.length) return null;
  return ids.reduce((s, id) => s + (fractions.get(id) ?? 0), 0) / ids.length;
}
