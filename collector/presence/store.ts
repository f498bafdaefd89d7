import type { IPoint } from 'influx';
import type { DeviceTags } from '../../devices/registry/index.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import type { Query } from '../storage.ts';
import type { Transition } from './tracker.ts';

/** Reading and writing presence points (measurement `presence`; fields online 1|0, source). */
export function presencePoint(
  tags: DeviceTags | { device: string },
  t: Pick<Transition, 'online' | 'at' | 'source'>,
): IPoint {
  return {
    measurement: MEASUREMENTS.presence,
    tags: { ...tags },
    fields: { online: t.online ? 1 : 0, source: t.source },
    timestamp: new Date(t.at),
  };
}

/** lastBeat: boot and uptime of the last stored heartbeat, to recognise a replay of it */
export type StoredPresence = {
  online: boolean;
  at: number;
  lastSeen: number | null;
  lastBeat?: { boot: string; uptimeS: number };
};

function esc(id: string): string {
  return id.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** The last presence point and the last heartbeat per device: what a restarting collector resumes from. */
export async function loadPresence(query: Query, before: number): Promise<Map<string, StoredPresence>> {
  const until = `time <= ${before}ms`;
  const [last, seen] = await Promise.all([
    query<{ time: Date; device: string; online: number }>(
      `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE ${until} GROUP BY "device"`,
    ),
    query<{ time: Date; device: string; u: number; boot: string | null }>(
      `SELECT last("uptime_s") AS "u", "boot" FROM "${MEASUREMENTS.deviceState}" WHERE ${until} GROUP BY "device"`,
    ),
  ]);
  const lastSeen = new Map(seen.map((r) => [r.device, r.time.getTime()]));
  const beats = new Map(seen.filter((r) => r.boot).map((r) => [r.device, { boot: r.boot!, uptimeS: r.u }]));
  const out = new Map<string, StoredPresence>();
  for (const r of last) {
    const at = r.time.getTime();
    const online = r.online === 1;
    const beat = lastSeen.get(r.device) ?? null;
    out.set(r.device, {
      online,
      at,
      lastSeen: online ? Math.max(at, beat ?? at) : beat,
      lastBeat: beats.get(r.device),
    });
  }
  return out;
}

/** Per device: the state at `instant` (last point at or before it) and whether a point sits exactly on it. */
export async function loadStateAt(
  query: Query,
  instant: number,
): Promise<Map<string, { online: boolean; exact: boolean }>> {
  const rows = await query<{ time: Date; device: string; online: number }>(
    `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE time <= ${instant}ms GROUP BY "device"`,
  );
  return new Map(rows.map((r) => [r.device, { online: r.online === 1, exact: r.time.getTime() === instant }]));
}

/** Was the device online through the whole window [from, to), by its stored presence? */
export async function onlineThrough(query: Query, device: string, from: number, to: number): Promise<boolean> {
  const d = esc(device);
  const [before, within] = await Promise.all([
    query<{ online: number }>(
      `SELECT last("online") AS "online" FROM "${MEASUREMENTS.presence}" WHERE "device" = '${d}' AND time <= ${from}ms`,
    ),
    query<{ offline: number }>(
      `SELECT min("online") AS "offline" FROM "${MEASUREMENTS.presence}" WHERE "device" = '${d}' AND time > ${from}ms AND time < ${to}ms`,
    ),
  ]);
  if (before[0]?.online !== 1) return false;
  return within.length === 0 || within[0].offline === 1;
}

/** How many ratings the box stored in [from, to). */
export async function ratingCount(query: Query, device: string, from: number, to: number): Promise<number> {
  const rows = await query<{ n: number }>(
    `SELECT count("value") AS "n" FROM "${MEASUREMENTS.rating}" WHERE "device" = '${esc(device)}' AND time >= ${from}ms AND time < ${to}ms`,
  );
  return rows[0]?.n ?? 0;
}
