import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import type { LevelCounts } from '../../devices/analytics/satisfaction.ts';
import { uptime } from '../../devices/analytics/uptime.ts';
import { countsBy } from '../../devices/analytics/rating-counts.ts';
import type { InfluxDB } from 'influx';
import { rows, type QueryRunner } from '../../devices/storage/influxql.ts';

/** Everything the appendix needs from InfluxDB for one province and period, keyed by registry ids. */
export type PeriodData = {
  ratings: Map<string, LevelCounts>; // commune code → counts per level
  broadcasts: Map<string, { scheduled: number; played: number }>; // commune code → counts
  cameras: Map<string, number>; // camera id → share of probes up (0..1)
  /** device id → share of [start, min(end, now)) online (presence, time-weighted: devices/analytics/uptime.ts) */
  deviceUptime: Map<string, number>;
};

const q = (s: string) => s.replace(/'/g, "\\'");

export type FetchDeps = { run: QueryRunner; influx: InfluxDB; database: string; now: number };

/** `devices`: the registry ids of the area's speakers and rating boxes */
export async function fetchPeriodData(
  deps: FetchDeps,
  provinceCode: string,
  devices: string[],
  startMs: number,
  endMs: number,
): Promise<PeriodData> {
  const { run } = deps;
  const area = `"province" = '${q(provinceCode)}'`;
  const within = `${area} AND time >= ${startMs}ms AND time < ${endMs}ms`;
  const [ratings, bcSeries, camSeries, uptimeRows] = await Promise.all([
    // the console's own reading (daily aggregates for closed days, raw for the rest): the same counts
    countsBy(deps, 'commune', area, { startMs, endMs }),
    run(`SELECT count("id") AS "n" FROM "${MEASUREMENTS.broadcast}" WHERE ${within} GROUP BY "commune", "outcome"`),
    run(`SELECT mean("up") AS "up" FROM "${MEASUREMENTS.camera}" WHERE ${within} GROUP BY "camera"`),
    uptime({
      influx: deps.influx,
      database: deps.database,
      devices,
      from: startMs,
      to: endMs,
      granularity: 'day',
      now: deps.now,
    }),
  ]);
  const data: PeriodData = { ratings, broadcasts: new Map(), cameras: new Map(), deviceUptime: new Map() };
  for (const s of bcSeries) {
    const b = data.broadcasts.get(s.tags!.commune) ?? { scheduled: 0, played: 0 };
    const n = Number(rows(s)[0]?.n ?? 0);
    b.scheduled += n;
    if (s.tags!.outcome === 'played') b.played += n;
    data.broadcasts.set(s.tags!.commune, b);
  }
  for (const s of camSeries) data.cameras.set(s.tags!.camera, Number(rows(s)[0]?.up ?? 0));
  // per-day rows → one share over the whole period (weighted by each day's length)
  const sums = new Map<string, { up: number; total: number }>();
  for (const r of uptimeRows) {
    const t = sums.get(r.device) ?? { up: 0, total: 0 };
    sums.set(r.device, { up: t.up + r.upS, total: t.total + r.totalS });
  }
  for (const [device, t] of sums) data.deviceUptime.set(device, t.total > 0 ? t.up / t.total : 0);
  return data;
}
