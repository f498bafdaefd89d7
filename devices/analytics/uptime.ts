import type { InfluxDB } from 'influx';
import type { Registry } from '../registry/index.ts';
import { MEASUREMENTS } from '../storage/measurements.ts';
import { DAY_MS, vnDayStart, vnWeekStart, WEEK_MS } from '../time/vietnam.ts';

/**
 * Uptime per device per Vietnam day or ISO week, from presence transitions (collector/presence/):
 * the presence is a step function; time before a device's first point counts as down (a device that never
 * reported is down, not missing); the current period counts up to `now`; periods start at Vietnam midnight
 * (Monday 00:00 for weeks).
 */
export type Granularity = 'day' | 'week';
export type UptimeRow = {
  device: string;
  /** period start and end (ISO, UTC); `end` is clipped to `now` for the current period */
  start: string;
  end: string;
  upS: number;
  totalS: number;
  /** upS / totalS, 0..1 */
  fraction: number;
};

export type UptimeQuery = {
  influx: InfluxDB;
  database: string;
  /** device ids; or use devicesInArea() */
  devices: readonly string[];
  from: Date | number;
  to: Date | number;
  granularity: Granularity;
  now?: Date | number;
};

const ms = (t: Date | number) => (typeof t === 'number' ? t : t.getTime());
const esc = (id: string) => id.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** Registry devices of an area (commune, district or province code; none = all), optionally of one kind. */
export function devicesInArea(
  registry: Registry,
  area: { province?: string; district?: string; commune?: string; kind?: string } = {},
): string[] {
  return [...registry.devices.values()]
    .filter(
      (e) =>
        (!area.province || e.province.code === area.province) && (!area.district || e.district?.code === area.district),
    )
    .filter((e) => (!area.commune || e.commune.code === area.commune) && (!area.kind || e.device.kind === area.kind))
    .map((e) => e.device.id);
}

/** The periods of a granularity intersecting [from, to), clipped to it. */
export function periods(from: number, to: number, g: Granularity): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const step = g === 'day' ? DAY_MS : WEEK_MS;
  for (let p = g === 'day' ? vnDayStart(from) : vnWeekStart(from); p < to; p += step) {
    out.push({ start: Math.max(p, from), end: Math.min(p + step, to) });
  }
  return out;
}

type Step = { at: number; online: boolean };

/** Milliseconds up within [start, end) for a step function `steps` (sorted; state before the first is down). */
export function upWithin(steps: readonly Step[], start: number, end: number): number {
  let up = 0;
  for (let i = 0; i < steps.length; i++) {
    if (!steps[i].online) continue;
    const a = Math.max(steps[i].at, start);
    const b = Math.min(steps[i + 1]?.at ?? Number.POSITIVE_INFINITY, end);
    if (b > a) up += b - a;
  }
  return up;
}

async function loadSteps(q: UptimeQuery, from: number, to: number): Promise<Map<string, Step[]>> {
  const steps = new Map<string, Step[]>(q.devices.map((d) => [d, []]));
  if (!q.devices.length) return steps;
  // a long OR list would overflow the query URL: past 100 devices read them all and keep the asked ones
  const which = q.devices.length > 100 ? '' : `(${q.devices.map((d) => `"device" = '${esc(d)}'`).join(' OR ')}) AND `;
  const [before, within] = await Promise.all([
    q.influx.query<{ device: string; online: number }>(
      `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE ${which}time < ${from}ms GROUP BY "device"`,
      { database: q.database },
    ),
    q.influx.query<{ time: Date; device: string; online: number }>(
      `SELECT "online" FROM "${MEASUREMENTS.presence}" WHERE ${which}time >= ${from}ms AND time < ${to}ms GROUP BY "device"`,
      { database: q.database },
    ),
  ]);
  for (const r of before) steps.get(r.device)?.push({ at: from, online: r.online === 1 });
  for (const r of within) steps.get(r.device)?.push({ at: r.time.getTime(), online: r.online === 1 });
  for (const s of steps.values()) s.sort((a, b) => a.at - b.at);
  return steps;
}

/** Uptime fractions per device per period over [from, min(to, now)). */
export async function uptime(q: UptimeQuery): Promise<UptimeRow[]> {
  const now = q.now === undefined ? Date.now() : ms(q.now);
  const from = ms(q.from);
  const to = Math.min(ms(q.to), now);
  if (to <= from) return [];
  const steps = await loadSteps(q, from, to);
  return q.devices.flatMap((device) => periodRows(device, steps.get(device) ?? [], from, to, q.granularity));
}

/** a device's row for each period of [from, to), from its up/down steps */
function periodRows(device: string, steps: readonly Step[], from: number, to: number, g: Granularity): UptimeRow[] {
  return periods(from, to, g).map((p) => {
    const up = upWithin(steps, p.start, p.end);
    const total = p.end - p.start;
    return {
      device,
      start: new Date(p.start).toISOString(),
      end: new Date(p.end).toISOString(),
      upS: up / 1000,
      totalS: total / 1000,
      fraction: total > 0 ? up / total : 0,
    };
  });
}

/**
 * The same in InfluxQL, for dashboards. Three layers: (1) presence resampled per `resolution` with the last
 * state carried forward; (2) buckets with no state yet filled with 0 (never reported = down), cut at now();
 * (3) the mean per Vietnam day (GROUP BY time(1d, 17h): 17:00 UTC = 00:00 UTC+7) or ISO week
 * (time(1w, 89h): InfluxDB's epoch is a Thursday; +3 d 17 h = Monday 00:00 UTC+7).
 *
 * `from`/`to` are InfluxQL time expressions: in Grafana `${__from}ms` and `${__to}ms` (the defaults).
 * InfluxDB applies the outer time range to subqueries, so nothing before `from` is seen: the state at `from`
 * comes from the collector's checkpoint at each Vietnam midnight. `from` must therefore be a Vietnam midnight
 * (Grafana: a range like now-7d/d … now with the dashboard in Asia/Ho_Chi_Minh); otherwise the time before the
 * first point of the range counts as down.
 * Result: one series per device (tag "device"), field "uptime" (0..1), time = period start.
 * Accuracy: one `resolution` per transition (exact when transitions fall on its boundaries).
 * A device with no presence point within [from, to) is absent, not 0: the collector's 'registered' seed and
 * midnight checkpoints keep that from happening while the collector runs.
 */
export type UptimeInfluxQLOptions = {
  granularity: Granularity;
  from?: string;
  to?: string;
  /** extra condition on tags, e.g. `"commune" = '90001'` or Grafana's `"device" =~ /^$device$/` */
  where?: string;
  resolution?: string;
};

export function uptimeInfluxQL(o: UptimeInfluxQLOptions): string {
  const from = o.from ?? '${__from}ms';
  const to = o.to ?? '${__to}ms';
  const res = o.resolution ?? '1m';
  const tagFilter = o.where ? ` AND (${o.where})` : '';
  const period = o.granularity === 'day' ? 'time(1d, 17h)' : 'time(1w, 89h)';
  const range = `time >= ${from} AND time < ${to} AND time < now()`;
  const inner = `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE time >= ${from} AND time < ${to}${tagFilter} GROUP BY time(${res}), "device" fill(previous)`;
  const filled = `SELECT max("online") AS "online" FROM (${inner}) WHERE ${range} GROUP BY time(${res}), "device" fill(0)`;
  return `SELECT mean("online") AS "uptime" FROM (${filled}) WHERE ${range} GROUP BY ${period}, "device"`;
}

/**
 * Counter cameras: uptime from their probes (measurement camera_status, one per probe interval). A probe result
 * holds for `validityS` (default 150 s = 2.5 probe intervals); after that, with no newer probe (the box is off, or
 * its link), the camera's state is unknown and counts as down. Rows use the camera id in `device`.
 */
export async function cameraUptime(
  q: Omit<UptimeQuery, 'devices'> & { cameras: readonly string[]; validityS?: number },
): Promise<UptimeRow[]> {
  const now = q.now === undefined ? Date.now() : ms(q.now);
  const from = ms(q.from);
  const to = Math.min(ms(q.to), now);
  if (to <= from || !q.cameras.length) return [];
  const validity = (q.validityS ?? 150) * 1000;
  const which = q.cameras.length > 100 ? '' : `(${q.cameras.map((c) => `"camera" = '${esc(c)}'`).join(' OR ')}) AND `;
  const rows = await q.influx.query<{ time: Date; camera: string; up: number }>(
    `SELECT "up" FROM "${MEASUREMENTS.camera}" WHERE ${which}time >= ${from - validity}ms AND time < ${to}ms GROUP BY "camera"`,
    { database: q.database },
  );
  const probes = new Map<string, { at: number; up: boolean }[]>(q.cameras.map((c) => [c, []]));
  for (const r of rows) probes.get(r.camera)?.push({ at: r.time.getTime(), up: r.up === 1 });
  return q.cameras.flatMap((camera) => {
    const steps = probeSteps(
      probes.get(camera)!.sort((a, b) => a.at - b.at),
      validity,
    );
    return periodRows(camera, steps, from, to, q.granularity);
  });
}

/** Probes → a step function: each result holds until the next probe or for `validityMs`, whichever is first. */
export function probeSteps(probes: readonly { at: number; up: boolean }[], validityMs: number): Step[] {
  const steps: Step[] = [];
  probes.forEach((p, i) => {
    steps.push({ at: p.at, online: p.up });
    const next = probes[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    if (next > p.at + validityMs) steps.push({ at: p.at + validityMs, online: false });
  });
  return steps;
}

/**
 * Camera uptime for dashboards: a `resolution` bucket (default 2m, probes every 60 s) is up when a probe in it
 * said up; buckets of a camera with no probe count as down (fill(0)). Series by tag "camera", field "uptime".
 */
export function cameraUptimeInfluxQL(o: UptimeInfluxQLOptions): string {
  const from = o.from ?? '${__from}ms';
  const to = o.to ?? '${__to}ms';
  const range = `time >= ${from} AND time < ${to} AND time < now()`;
  const tagFilter = o.where ? ` AND (${o.where})` : '';
  const period = o.granularity === 'day' ? 'time(1d, 17h)' : 'time(1w, 89h)';
  const buckets = `SELECT max("up") AS "up" FROM "${MEASUREMENTS.camera}" WHERE ${range}${tagFilter} GROUP BY time(${o.resolution ?? '2m'}), "camera" fill(0)`;
  return `SELECT mean("up") AS "uptime" FROM (${buckets}) WHERE ${range} GROUP BY ${period}, "camera"`;
}
