import { VN_ZONE } from '../time/vietnam.ts';
import { MEASUREMENTS } from './measurements.ts';
import { DAILY_RP, RAW_RP } from './retention.ts';

/**
 * Daily aggregates: one point per day and per series (all tags: province, district, commune, counter/hamlet,
 * device, level, outcome, camera…), written by continuous queries into the `daily` policy. Days are Vietnam
 * days (a daily point is stamped at 17:00 UTC = 00:00 ICT).
 *
 * Name → select list over the raw measurement.
 */
export const DAILY_AGGREGATES = {
  /** n ratings per level per day; value = the level's value (constant per level), so the index is computable */
  rating_daily: { from: MEASUREMENTS.rating, select: 'count("value") AS "n", max("value") AS "value"' },
  /** heartbeats received per device per day */
  device_state_daily: {
    from: MEASUREMENTS.deviceState,
    select: 'count("uptime_s") AS "heartbeats", max("outbox_depth") AS "outbox_max"',
  },
  /** presence transitions per day, and whether the device was ever seen offline that day (min 0) */
  presence_daily: {
    from: MEASUREMENTS.presence,
    select: 'count("online") AS "transitions", min("online") AS "online_min"',
  },
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
  return `SELECT ${a.select} INTO "${database}"."${DAILY_RP}"."${name}" FROM "${database}"."${RAW_RP}"."${a.from}"${w} GROUP BY time(1d), * tz('${VN_ZONE}')`;
}

export function cqName(name: DailyMeasurement): string {
  return `cq_${name}`;
}
