import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { InfluxDB } from 'influx';
import { influxClient } from '../../infra/influx-client.ts';
import type { AlertKind, AlertState } from '../../devices/contract/index.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { DAY_MS, vnDayStart } from '../../devices/time/vietnam.ts';
import { cameraUptime, uptime, type UptimeRow } from '../../devices/analytics/uptime.ts';
import { openAlerts, recentAlerts, type AlertRow } from '../../devices/analytics/alerts.ts';
import { readableCommunes } from '../access.ts';
import { deviceKindLabel } from '../device-labels.ts';
import { AlertsAnswer, DeviceList, type AlertView, type DeviceView } from '../api/device.ts';
import type { Area } from '../area.ts';
import { ConsoleError, fail } from '../errors.ts';
import { userOf, type HttpDeps } from './context.ts';

/**
 * Device health and alerts (presence and uptime) for the communes the user may read, from the
 * collector's InfluxDB: presence (online now, last seen), uptime today and over the last 7 Vietnam days, alerts.
 */
export const ALERT_LABELS: Record<AlertKind, string> = {
  offline: 'Mất kết nối',
  'silent-box': 'Hộp đánh giá không có lượt đánh giá',
  'camera-down': 'Camera không hoạt động',
};
export const ALERT_STATE_LABELS: Record<AlertState, string> = { raised: 'Đang báo', recovered: 'Đã khôi phục' };
const ONLINE_LABELS = { true: 'đang hoạt động', false: 'mất kết nối', null: 'chưa rõ' } as const;
const percent = (f: number) => `${(Math.round(f * 1000) / 10).toLocaleString('vi-VN')} %`;

/** "đang hoạt động" beside a low 7-day figure reads as a contradiction: say what it means */
export function uptimeNote(online: boolean | null, uptime7d: number): string | null {
  if (online !== true || !(uptime7d < 0.5)) return null;
  return `Đang kết nối lúc này, nhưng chỉ hoạt động ${percent(uptime7d)} thời gian trong 7 ngày qua (mất kết nối nhiều hoặc mới lắp).`;
}

/** a camera probe holds this long (devices/analytics/uptime.ts cameraUptime default: 2.5 probe intervals) */
const CAMERA_VALIDITY_MS = 150_000;
const RECENT_ALERTS = 50;

type Placed = Omit<DeviceView, 'online' | 'stateLabel' | 'note' | 'lastSeen' | 'uptimeToday' | 'uptime7d'>;

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
const orList = (tag: string, ids: readonly string[]) => ids.map((id) => `"${tag}" = '${esc(id)}'`).join(' OR ');

/** The registry's devices and cameras of some communes, with their place names. */
export function placedDevices(area: Area, communes: readonly string[]): Placed[] {
  const out: Placed[] = [];
  for (const code of communes) {
    const c = area.registry.communes.get(code)?.commune;
    if (!c) continue;
    const base = { commune: code, communeName: c.name };
    for (const d of c.devices) {
      const place =
        d.kind === 'speaker'
          ? (c.hamlets.find((h) => h.id === d.hamlet)?.name ?? d.hamlet)
          : (c.counters.find((k) => k.id === d.counter)?.name ?? d.counter);
      out.push({ id: d.id, kind: d.kind, kindLabel: deviceKindLabel(d.kind), ...base, place });
    }
    for (const k of c.counters) {
      for (const cam of k.cameras)
        out.push({
          id: cam.id,
          kind: 'camera',
          kindLabel: deviceKindLabel('camera'),
          ...base,
          place: `${k.name} – ${cam.name}`,
        });
    }
  }
  return out;
}

type Db = { influx: InfluxDB; database: string };

/** Online now and last seen per device (presence + heartbeats) and per camera (probes). */
async function liveness(db: Db, devices: string[], cameras: string[], now: number) {
  const q = <T>(text: string) => db.influx.query<T>(text, { database: db.database });
  const until = `time <= ${now}ms`;
  const [presence, lastUp, beats, probes, lastProbeUp] = await Promise.all([
    devices.length
      ? q<{ time: Date; device: string; online: number }>(
          `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE (${orList('device', devices)}) AND ${until} GROUP BY "device"`,
        )
      : [],
    devices.length
      ? q<{ time: Date; device: string }>(
          `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE (${orList('device', devices)}) AND "online" = 1 AND ${until} GROUP BY "device"`,
        )
      : [],
    devices.length
      ? q<{ time: Date; device: string }>(
          `SELECT last("uptime_s") AS "u" FROM "${MEASUREMENTS.deviceState}" WHERE (${orList('device', devices)}) AND ${until} GROUP BY "device"`,
        )
      : [],
    cameras.length
      ? q<{ time: Date; camera: string; up: number }>(
          `SELECT last("up") AS "up" FROM "${MEASUREMENTS.camera}" WHERE (${orList('camera', cameras)}) AND ${until} GROUP BY "camera"`,
        )
      : [],
    cameras.length
      ? q<{ time: Date; camera: string }>(
          `SELECT last("up") AS "up" FROM "${MEASUREMENTS.camera}" WHERE (${orList('camera', cameras)}) AND "up" = 1 AND ${until} GROUP BY "camera"`,
        )
      : [],
  ]);
  const online = new Map<string, boolean | null>();
  const seen = new Map<string, number>();
  const seenAt = (id: string, t: number) => seen.set(id, Math.max(seen.get(id) ?? 0, t));
  for (const r of presence) online.set(r.device, r.online === 1);
  // last seen = the last sign of life: a heartbeat or an online transition (an offline one may come much later)
  for (const r of lastUp) seenAt(r.device, r.time.getTime());
  for (const r of beats) seenAt(r.device, r.time.getTime());
  // an old probe tells nothing about now: the camera's state is unknown
  for (const r of probes) online.set(r.camera, now - r.time.getTime() <= CAMERA_VALIDITY_MS ? r.up === 1 : null);
  for (const r of lastProbeUp) seenAt(r.camera, r.time.getTime());
  return { online, seen };
}

function fractions(rows: UptimeRow[]): Map<string, number> {
  const sum = new Map<string, { up: number; total: number }>();
  for (const r of rows) {
    const s = sum.get(r.device) ?? { up: 0, total: 0 };
    s.up += r.upS;
    s.total += r.totalS;
    sum.set(r.device, s);
  }
  return new Map([...sum].map(([id, s]) => [id, s.total > 0 ? s.up / s.total : 0]));
}

/** Uptime from `from` to now, one fraction per device or camera. */
async function uptimeSince(
  db: Db,
  devices: string[],
  cameras: string[],
  from: number,
  now: number,
): Promise<Map<string, number>> {
  const common = { influx: db.influx, database: db.database, from, to: now, now, granularity: 'day' as const };
  const [d, c] = await Promise.all([uptime({ ...common, devices }), cameraUptime({ ...common, cameras })]);
  return fractions([...d, ...c]);
}

export async function deviceHealth(
  db: Db,
  area: Area,
  communes: readonly string[],
  now: number,
): Promise<DeviceView[]> {
  const placed = placedDevices(area, communes);
  const devices = placed.filter((p) => p.kind !== 'camera').map((p) => p.id);
  const cameras = placed.filter((p) => p.kind === 'camera').map((p) => p.id);
  const today = vnDayStart(now);
  const [live, day, week] = await Promise.all([
    liveness(db, devices, cameras, now),
    uptimeSince(db, devices, cameras, today, now),
    uptimeSince(db, devices, cameras, today - 6 * DAY_MS, now),
  ]);
  return placed.map((p) => {
    const seen = live.seen.get(p.id);
    const online = live.online.get(p.id) ?? null;
    const uptime7d = week.get(p.id) ?? 0;
    return {
      ...p,
      online,
      stateLabel: ONLINE_LABELS[`${online}`],
      note: uptimeNote(online, uptime7d),
      lastSeen: seen ? new Date(seen).toISOString() : null,
      uptimeToday: day.get(p.id) ?? 0,
      uptime7d,
    };
  });
}

export async function communeAlerts(
  db: Db,
  area: Area,
  communes: readonly string[],
): Promise<{ open: AlertView[]; recent: AlertView[] }> {
  const perCommune = await Promise.all(
    communes.map(async (commune) => {
      const [open, recent] = await Promise.all([
        openAlerts(db.influx, db.database, { commune }),
        recentAlerts(db.influx, db.database, { commune }, { limit: RECENT_ALERTS }),
      ]);
      return { open, recent };
    }),
  );
  const places = new Map(placedDevices(area, communes).map((p) => [p.id, p]));
  const openIds = new Set(perCommune.flatMap((c) => c.open.map((a) => a.id)));
  const view = (a: AlertRow): AlertView => {
    // camera-down alerts name the box's device; the camera is the subject
    const p = places.get(a.subject ?? '') ?? places.get(a.device);
    return {
      ...a,
      kindLabel: ALERT_LABELS[a.kind] ?? a.kind,
      stateLabel: ALERT_STATE_LABELS[a.state] ?? a.state,
      open: openIds.has(a.id),
      place: p?.place ?? null,
      deviceKind: p?.kindLabel ?? null,
    };
  };
  return {
    open: perCommune
      .flatMap((c) => c.open)
      .sort((a, b) => a.time.localeCompare(b.time))
      .map(view),
    recent: perCommune
      .flatMap((c) => c.recent)
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, RECENT_ALERTS)
      .map(view),
  };
}

function connect(cfg: { url: string; database: string }): Db {
  return { influx: influxClient(cfg.url, cfg.database), database: cfg.database };
}

export function registerDeviceRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const db = deps.influx ? connect(deps.influx) : undefined;
  const stats = { influxErrors: 0 };

  /** the database, or a 503 saying it is not configured; a failing query becomes INFLUX_UNAVAILABLE */
  const withDb = async <T>(run: (db: Db) => Promise<T>): Promise<T> => {
    if (!db) fail('INFLUX_UNCONFIGURED');
    try {
      return await run(db);
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      stats.influxErrors++;
      deps.log.warn({ err, influxErrors: stats.influxErrors }, 'device health query failed');
      fail('INFLUX_UNAVAILABLE');
    }
  };

  app.get('/api/devices', { schema: { response: { 200: DeviceList } } }, async (req) => {
    const communes = readableCommunes(userOf(req), deps.area);
    return { items: await withDb((d) => deviceHealth(d, deps.area, communes, deps.clock.now())) };
  });

  app.get('/api/alerts', { schema: { response: { 200: AlertsAnswer } } }, async (req) => {
    const communes = readableCommunes(userOf(req), deps.area);
    return withDb((d) => communeAlerts(d, deps.area, communes));
  });
}
