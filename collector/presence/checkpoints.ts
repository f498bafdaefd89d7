import type { IPoint } from 'influx';
import type { DeviceTags } from '../../devices/registry/index.ts';
import type { CollectorContext } from '../extension.ts';
import { vnDayStart } from '../../devices/time/vietnam.ts';
import { loadStateAt, presencePoint } from './store.ts';
import type { DevicePresence, Transition } from './tracker.ts';

/**
 * Dashboards' uptime query cannot see before its range (InfluxDB applies the outer time range to subqueries),
 * so every Vietnam midnight gets a checkpoint: each known device's state at that instant, and queries look
 * back one day only. A collector that was not running at today's midnight writes it at start from the stored
 * state; a silence verdict dated before it overwrites it (same series and instant).
 */
export class MidnightCheckpoints {
  /** the Vietnam midnight last checkpointed */
  #day = 0;
  /** devices with a checkpoint at #day */
  readonly #devices = new Set<string>();

  /** The collector starts: today's midnight counts as checkpointed (repair() writes what is missing). */
  begin(now: number): void {
    this.#day = vnDayStart(now);
  }

  /** Points for the devices whose checkpoint at today's midnight is not stored exactly. */
  async repair(ctx: CollectorContext, now: number): Promise<IPoint[]> {
    const midnight = vnDayStart(now);
    const states = await loadStateAt(ctx.query, midnight);
    const points: IPoint[] = [];
    for (const [id, s] of states) {
      const entry = ctx.registry.device(id);
      if (!entry) continue;
      this.#devices.add(id);
      if (!s.exact)
        points.push(
          presencePoint(ctx.registry.deviceTags(entry), { online: s.online, at: midnight, source: 'checkpoint' }),
        );
    }
    return points;
  }

  /** Once a new Vietnam day has begun: every known device's state at its midnight. */
  due(ctx: CollectorContext, now: number, devices: Iterable<[string, Readonly<DevicePresence>]>): IPoint[] {
    const day = vnDayStart(now);
    if (day <= this.#day) return [];
    this.#day = day;
    this.#devices.clear();
    const points: IPoint[] = [];
    for (const [id, d] of devices) {
      const entry = ctx.registry.device(id);
      if (!entry || d.online === null) continue;
      this.#devices.add(id);
      points.push(presencePoint(ctx.registry.deviceTags(entry), { online: d.online, at: day, source: 'checkpoint' }));
    }
    return points;
  }

  /** The checkpoint that an offline verdict dated before the last midnight overwrites (unknown is not up). */
  overwrittenBy(t: Transition, tags: DeviceTags | { device: string }): IPoint[] {
    if (t.online || t.at >= this.#day || !this.#devices.has(t.device)) return [];
    return [presencePoint(tags, { online: false, at: this.#day, source: 'checkpoint' })];
  }
}
