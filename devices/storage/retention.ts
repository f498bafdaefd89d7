import type { InfluxDB } from 'influx';
import { MEASUREMENTS, RAW_RP } from './measurements.ts';

/**
 * Retention: raw points live in the `raw` policy for a configurable period (collector config
 * `rawRetention`); continuous queries keep one point per day and per series (all tags: province,
 * district, commune, counter/hamlet, device, level, outcome, camera…) in the `daily` policy for years.
 *
 * Days are Vietnam days (tz Asia/Ho_Chi_Minh: a daily point is stamped at 17:00 UTC = 00:00 ICT).
 * RESAMPLE EVERY 1h FOR 3d: ratings and logs of a device that was offline reach the collector late
 * (outbox); recomputing the last three days hourly folds them into the daily aggregates.
 */
export const DAILY_RP = 'daily';
export const VN_TZ = 'Asia/Ho_Chi_Minh';

export type DownsamplingOptions = {
  /** InfluxDB duration of raw points, e.g. '730d' */
  rawRetention: string;
  /** InfluxDB duration of daily aggregates; default 'INF' */
  dailyRetention?: string;
  /** default 'EVERY 1h FOR 3d' */
  resample?: string;
};

/** Daily aggregate measurements: name → select list over the raw measurement. */
export const DAILY_AGGREGATES = {
  /** n ratings per level per day; value = the level's value (constant per level), so the index is computable */
  rating_daily: { from: MEASUREMENTS.rating, select: 'count("value") AS "n", max("value") AS "value"' },
  /** heartbeats received per device per day */
  device_state_daily: { from: MEASUREMENTS.deviceState, select: 'count("uptime_s") AS "heartbeats", max("outbox_depth") AS "outbox_max"' },
  /** presence transitions per day, and whether the device was ever seen offline that day (min 0) */
  presence_daily: { from: MEASUREMENTS.presence, select: 'count("online") AS "transitions", min("online") AS "online_min"' },
  /** camera probes per day and share up */
  camera_daily: { from: MEASUREMENTS.camera, select: 'count("up") AS "probes", mean("up") AS "up_share"' },
  /** broadcast occurrences per day, per hamlet/speaker/announcement/outcome */
  broadcast_daily: { from: MEASUREMENTS.broadcast, select: 'count("id") AS "n"' },
  /** refused messages per day and reason */
  rejection_daily: { from: MEASUREMENTS.rejection, select: 'sum("count") AS "count"' },
} as const;

export type DailyMeasurement = keyof typeof DAILY_AGGREGATES;

/** The SELECT … INTO of one aggregate; `where` is added for a manual backfill/run. */
export function dailySelectInto(database: string, name: DailyMeasurement, where?: string): string {
  const a = DAILY_AGGREGATES[name];
  const w = where ? ` WHERE ${where}` : '';
  return `SELECT ${a.select} INTO "${database}"."${DAILY_RP}"."${name}" FROM "${database}"."${RAW_RP}"."${a.from}"${w} GROUP BY time(1d), * tz('${VN_TZ}')`;
}

export function cqName(name: DailyMeasurement): string {
  return `cq_${name}`;
}

async function ensurePolicy(influx: InfluxDB, database: string, name: string, duration: string, isDefault: boolean) {
  const existing = await influx.showRetentionPolicies(database);
  const options = { database, duration, replication: 1, isDefault };
  if (existing.some((p) => p.name === name)) await influx.alterRetentionPolicy(name, options);
  else await influx.createRetentionPolicy(name, options);
}

/** Idempotent: creates/updates the policies and (re)creates the CQs whose definition changed. */
export async function ensureDownsampling(influx: InfluxDB, database: string, opts: DownsamplingOptions): Promise<{ created: string[] }> {
  await influx.createDatabase(database);
  await ensurePolicy(influx, database, RAW_RP, opts.rawRetention, true);
  await ensurePolicy(influx, database, DAILY_RP, opts.dailyRetention ?? 'INF', false);
  const resample = opts.resample ?? 'EVERY 1h FOR 3d';
  const existing = new Map((await continuousQueries(influx, database)).map((c) => [c.name, c.query]));
  const created: string[] = [];
  for (const name of Object.keys(DAILY_AGGREGATES) as DailyMeasurement[]) {
    const cq = cqName(name);
    const select = dailySelectInto(database, name);
    const old = existing.get(cq);
    // SHOW CONTINUOUS QUERIES prints a normalised text; compare loosely (quotes and case) to skip no-op rewrites
    if (old !== undefined && normalise(old).includes(normalise(`RESAMPLE ${resample} BEGIN ${select}`))) continue;
    if (old !== undefined) await influx.dropContinuousQuery(cq, database);
    await influx.createContinuousQuery(cq, select, database, `RESAMPLE ${resample}`);
    created.push(cq);
  }
  return { created };
}

/**
 * The continuous queries of one database. `influx.showContinousQueries(db)` returns the first database's
 * queries whatever `db` is (SHOW CONTINUOUS QUERIES lists every database, one series each).
 */
export async function continuousQueries(influx: InfluxDB, database: string): Promise<{ name: string; query: string }[]> {
  const raw = (await influx.queryRaw('SHOW CONTINUOUS QUERIES')) as { results: { series?: { name: string; values?: [string, string][] }[] }[] };
  const series = raw.results[0]?.series?.find((s) => s.name === database);
  return (series?.values ?? []).map(([name, query]) => ({ name, query }));
}

function normalise(q: string): string {
  return q.replace(/"/g, '').replace(/\s+/g, ' ').toLowerCase();
}
