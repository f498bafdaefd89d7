import type { Registry } from '../../devices/registry/index.ts';
import { deviceLabel } from '../../devices/registry/labels.ts';
import type { AlertBook, AlertEvent } from './alerts.ts';
import type { CollectorContext } from '../extension.ts';
import { onlineThrough, ratingCount } from './store.ts';
import { DAY_MS, vnClockOn, vnDate, vnDayStart, vnWeekday } from '../../devices/time/vietnam.ts';

/**
 * Silent box: a rating box online through a whole opening half-day of its counter (registry
 * counter.openingHours, Vietnam time) that stored no rating raises one 'silent-box' alert, subject = the
 * half-day; a later half-day with ratings recovers it. A half-day is checked once, `settleMs` after it closes
 * (so a late silence verdict, dated back, is already stored); restarts skip half-days already alerted.
 */
export type HalfDay = { from: number; to: number; subject: string };

/** Opening periods of the counter that closed within the last day, before `now - settleMs`. */
export function closedHalfDays(
  openingHours: { weekdays: number[]; open: string; close: string }[],
  now: number,
  settleMs: number,
): HalfDay[] {
  const out: HalfDay[] = [];
  for (const day of [vnDayStart(now) - DAY_MS, vnDayStart(now)]) {
    for (const p of openingHours) {
      if (!p.weekdays.includes(vnWeekday(day))) continue;
      const from = vnClockOn(day, p.open);
      const to = vnClockOn(day, p.close);
      if (to + settleMs <= now && now - to < DAY_MS)
        out.push({ from, to, subject: `${vnDate(day)} ${p.open}-${p.close}` });
    }
  }
  return out;
}

export class SilentBoxWatch {
  readonly #checked = new Set<string>();

  constructor(
    readonly alerts: AlertBook,
    readonly settleMs: number,
  ) {}

  async check(ctx: CollectorContext, registry: Registry, now: number): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    for (const [id, entry] of registry.devices) {
      if (entry.device.kind !== 'rating-box' || !entry.counter) continue;
      for (const h of closedHalfDays(entry.counter.openingHours, now, this.settleMs)) {
        const key = { device: id, kind: 'silent-box' as const, subject: h.subject };
        const mark = `${id}|${h.subject}`;
        if (this.#checked.has(mark)) continue;
        if (this.alerts.wasRaised(key)) {
          this.#checked.add(mark);
          continue;
        }
        const e = await this.#verdict(ctx, id, h, now);
        events.push(...e);
        this.#checked.add(mark);
      }
    }
    return events;
  }

  async #verdict(ctx: CollectorContext, device: string, h: HalfDay, now: number): Promise<AlertEvent[]> {
    const n = await ratingCount(ctx.query, device, h.from, h.to);
    if (n > 0) {
      return this.alerts
        .openKeys()
        .filter((k) => k.device === device && k.kind === 'silent-box')
        .map((k) =>
          this.alerts.recover(
            k,
            now,
            `${deviceLabel(ctx.registry, device)} đã ghi nhận đánh giá trở lại (${h.subject}).`,
          ),
        )
        .filter((e): e is AlertEvent => e !== null);
    }
    if (!(await onlineThrough(ctx.query, device, h.from, h.to))) return [];
    const e = this.alerts.raise(
      { device, kind: 'silent-box', subject: h.subject },
      now,
      `${deviceLabel(ctx.registry, device)} trực tuyến nhưng không ghi nhận đánh giá nào trong buổi ${h.subject}.`,
      h.from,
    );
    return e ? [e] : [];
  }
}
