import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import {
  DAILY_INDEX_SELECT,
  dailySatisfiedSubquery,
  INDEX_SELECT,
  satisfiedSubquery,
  shrunkSelect,
} from '../devices/analytics/satisfaction.ts';
import { DAILY_RP } from '../devices/storage/retention.ts';
import { VN_ZONE } from '../devices/time/vietnam.ts';
import { uptimeInfluxQL } from '../devices/analytics/uptime.ts';
import { AREA_FILTER, COMMUNE_FILTER } from './variables.ts';

/**
 * Every panel query, in InfluxQL with Grafana's macros ($timeFilter, $__interval, ${__from}, ${__to}) and
 * template variables. The satisfaction index comes from devices/analytics/satisfaction.ts, never restated here.
 */
const TZ = `tz('${VN_ZONE}')`;
const NOT_CHECKPOINT = `"source" != 'checkpoint'`;
const R = MEASUREMENTS.rating;
const sat = (where: string, groupBy: string[] = []) => satisfiedSubquery(`${where} AND $timeFilter`, groupBy);

/** Worst periods only count days with at least this many ratings (a day with 1 bad rating is noise). */
export const WORST_MIN_N = 5;
/** Uptime slot of the device-health dashboard: a slot with at least one heartbeat counts as up. */
export const UPTIME_SLOT_MS = 600_000;

export const Q = {
  // --- satisfaction overview (area) ---
  areaIndex: `SELECT ${INDEX_SELECT} FROM (${sat(AREA_FILTER)})`,
  ranking: `SELECT ${shrunkSelect('$area_p', '$prior_m')}, ${INDEX_SELECT} FROM (${sat(AREA_FILTER, ['commune'])}) GROUP BY "commune"`,
  areaTrend: `SELECT ${INDEX_SELECT} FROM (${sat(AREA_FILTER)}) WHERE $timeFilter GROUP BY time($__interval) fill(none) ${TZ}`,
  levelCounts: `SELECT count("value") AS "n" FROM "${R}" WHERE ${AREA_FILTER} AND $timeFilter GROUP BY "level"`,
  /** years of history from the daily aggregates (raw points expire after the raw retention) */
  longTrend: `SELECT ${DAILY_INDEX_SELECT} FROM (${dailySatisfiedSubquery(`"${DAILY_RP}"."rating_daily"`, `${AREA_FILTER} AND $timeFilter`)}) WHERE $timeFilter GROUP BY time($__interval) fill(none) ${TZ}`,
  levelTrend: `SELECT count("value") AS "n" FROM "${R}" WHERE ${AREA_FILTER} AND $timeFilter GROUP BY time($__interval), "level" fill(0) ${TZ}`,

  // --- one commune ---
  communeIndex: `SELECT ${INDEX_SELECT} FROM (${sat(COMMUNE_FILTER)})`,
  perCounter: `SELECT ${shrunkSelect('$commune_p', '$prior_m')}, ${INDEX_SELECT} FROM (${sat(COMMUNE_FILTER, ['counter'])}) GROUP BY "counter"`,
  /** hourly counts in Vietnam time; Grafana turns them into hour-of-day / weekday (transformations.ts) */
  hourly: `SELECT count("s") AS "n", sum("s") AS "satisfied" FROM (${sat(COMMUNE_FILTER)}) WHERE $timeFilter GROUP BY time(1h) fill(none) ${TZ}`,
  worstDays: `SELECT bottom("index", 10) AS "index", "n" FROM (SELECT ${INDEX_SELECT} FROM (${sat(COMMUNE_FILTER)}) WHERE $timeFilter GROUP BY time(1d) fill(none) ${TZ}) WHERE "n" >= ${WORST_MIN_N}`,
  communeTrend: `SELECT ${INDEX_SELECT} FROM (${sat(COMMUNE_FILTER)}) WHERE $timeFilter GROUP BY time($__interval) fill(none) ${TZ}`,

  // --- device health ---
  /**
   * per device: share of 10-minute slots of the range in which a heartbeat arrived (devices send one a
   * minute). Not from presence transitions: InfluxDB pushes an outer time range into subqueries, so the
   * state carried in from before the range is lost (tests/dashboards showed it).
   */
  deviceUptime: `SELECT 100 * count("hb") / ((\${__to} - \${__from}) / ${UPTIME_SLOT_MS}) AS "uptime" FROM (SELECT count("uptime_s") AS "hb" FROM "${MEASUREMENTS.deviceState}" WHERE ${AREA_FILTER} AND $timeFilter GROUP BY time(${UPTIME_SLOT_MS}ms), "device", "kind") GROUP BY "device", "kind"`,
  /** real transitions only: the collector's midnight checkpoints would make "offline since" read as last midnight */
  offlineCount: `SELECT count("online") AS "offline" FROM (SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE ${AREA_FILTER} AND ${NOT_CHECKPOINT} GROUP BY "device") WHERE "online" = 0`,
  offlineList: `SELECT "online" FROM (SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE ${AREA_FILTER} AND ${NOT_CHECKPOINT} GROUP BY "device", "kind", "commune") WHERE "online" = 0 GROUP BY "device", "kind", "commune"`,
  /** daily uptime from presence (devices/analytics/uptime.ts, the shared definition), 0..1 per device and Vietnam day */
  dailyUptime: uptimeInfluxQL({ granularity: 'day', where: AREA_FILTER }),
  lastSeen: `SELECT last("uptime_s") AS "uptime_s" FROM "${MEASUREMENTS.deviceState}" WHERE ${AREA_FILTER} GROUP BY "device", "kind", "commune"`,
  cameraUptime: `SELECT 100 * mean("up") AS "uptime", count("up") AS "probes" FROM "${MEASUREMENTS.camera}" WHERE ${AREA_FILTER} AND $timeFilter GROUP BY "camera", "commune"`,
  cameraNow: `SELECT last("up") AS "up" FROM "${MEASUREMENTS.camera}" WHERE ${AREA_FILTER} GROUP BY "camera", "commune"`,
  /**
   * what the broker nodes refused in the range, per reason: each node publishes its own cumulative counts (tag
   * node), so the last count of every node, summed over the nodes (a per-interval sum with fill(previous) inside
   * the subquery gave wrong sums on InfluxDB 1.x)
   */
  brokerRefusals: `SELECT sum("count") AS "count" FROM (SELECT last("count") AS "count" FROM "${MEASUREMENTS.brokerRefusals}" WHERE $timeFilter GROUP BY "node", "reason") GROUP BY "reason"`,

  // --- broadcasts (one commune) ---
  /** every occurrence is logged once with its outcome: scheduled = all logs */
  bcScheduled: `SELECT count("id") AS "scheduled" FROM "${MEASUREMENTS.broadcast}" WHERE ${COMMUNE_FILTER} AND $timeFilter GROUP BY "hamlet"`,
  bcPlayed: `SELECT count("id") AS "played" FROM "${MEASUREMENTS.broadcast}" WHERE ${COMMUNE_FILTER} AND "outcome" = 'played' AND $timeFilter GROUP BY "hamlet"`,
  bcMissed: `SELECT count("id") AS "missed" FROM "${MEASUREMENTS.broadcast}" WHERE ${COMMUNE_FILTER} AND "outcome" != 'played' AND $timeFilter GROUP BY "hamlet"`,
  bcDaily: `SELECT count("id") AS "n" FROM "${MEASUREMENTS.broadcast}" WHERE ${COMMUNE_FILTER} AND $timeFilter GROUP BY time(1d), "outcome" fill(0) ${TZ}`,
} as const;

export type QueryName = keyof typeof Q;
