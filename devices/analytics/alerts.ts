import type { InfluxDB } from 'influx';
import type { AlertKind, AlertState } from '../contract/index.ts';
import { MEASUREMENTS } from '../storage/measurements.ts';

/**
 * Reading alerts (collector/presence/alerts.ts writes them) for the console, the review report and dashboards.
 * Area = registry tags: commune, district or province code (any combination; none = everywhere).
 */
export type AlertArea = { province?: string; district?: string; commune?: string; device?: string };
export type AlertRow = {
  time: string;
  device: string;
  commune: string;
  kind: AlertKind;
  state: AlertState;
  subject?: string;
  id: string;
  incident: string;
  since?: string;
  message: string;
};

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** InfluxQL condition for an area, for reuse in dashboard queries. */
export function areaCondition(area: AlertArea = {}): string {
  const parts = (['province', 'district', 'commune', 'device'] as const)
    .filter((k) => area[k])
    .map((k) => `"${k}" = '${esc(area[k]!)}'`);
  return parts.length ? parts.join(' AND ') : 'true';
}

type Raw = {
  time: Date;
  device: string;
  commune: string;
  alert: string;
  state: string;
  subject: string | null;
  id: string;
  incident: string;
  since: string;
  message: string;
  open?: number;
};

function toRow(r: Raw): AlertRow {
  return {
    time: r.time.toISOString(),
    device: r.device,
    commune: r.commune,
    kind: r.alert as AlertKind,
    state: r.state as AlertState,
    ...(r.subject ? { subject: r.subject } : {}),
    id: r.id,
    incident: r.incident,
    ...(r.since ? { since: r.since } : {}),
    message: r.message,
  };
}

function where(area: AlertArea, since?: Date | number): string {
  const c = areaCondition(area);
  const t = since === undefined ? '' : ` AND time >= ${typeof since === 'number' ? since : since.getTime()}ms`;
  return c === 'true' ? (t ? `WHERE ${t.slice(5)}` : '') : `WHERE ${c}${t}`;
}

/** Alert records (raised and recovered), newest first. */
export async function recentAlerts(
  influx: InfluxDB,
  database: string,
  area: AlertArea = {},
  opts: { since?: Date | number; limit?: number } = {},
): Promise<AlertRow[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 100, 10_000));
  const rows = await influx.query<Raw>(
    `SELECT "id", "incident", "message", "since", "open", "device", "commune", "alert", "state", "subject" FROM "${MEASUREMENTS.alert}" ${where(area, opts.since)} ORDER BY time DESC LIMIT ${limit}`,
    { database },
  );
  return rows.map(toRow);
}

/** Alerts open now (raised and not yet recovered), oldest first. */
export async function openAlerts(influx: InfluxDB, database: string, area: AlertArea = {}): Promise<AlertRow[]> {
  const rows = await influx.query<Raw>(
    `SELECT last("open") AS "open", "id", "incident", "message", "since", "commune", "state" FROM "${MEASUREMENTS.alert}" ${where(area)} GROUP BY "device", "alert", "subject"`,
    { database },
  );
  return rows
    .filter((r) => r.open === 1)
    .map(toRow)
    .sort((a, b) => a.time.localeCompare(b.time));
}

/** Dashboards: alert records in Grafana's time range, newest first (`where`: e.g. areaCondition(area)). */
export function alertsInfluxQL(o: { where?: string; limit?: number } = {}): string {
  const extra = o.where && o.where !== 'true' ? ` AND (${o.where})` : '';
  return `SELECT "alert", "state", "device", "subject", "message", "since" FROM "${MEASUREMENTS.alert}" WHERE $timeFilter${extra} ORDER BY time DESC LIMIT ${o.limit ?? 200}`;
}

/** Dashboards and Node-RED: alerts open now, one row per (device, kind, subject); fields open, message, since. */
export function openAlertsInfluxQL(o: { where?: string } = {}): string {
  const cond = o.where && o.where !== 'true' ? ` WHERE ${o.where}` : '';
  return `SELECT "open", "message", "since" FROM (SELECT last("open") AS "open", "message", "since" FROM "${MEASUREMENTS.alert}"${cond} GROUP BY "device", "alert", "subject") WHERE "open" = 1 GROUP BY "device", "alert", "subject"`;
}
