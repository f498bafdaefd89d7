import { join } from 'node:path';
import type {
  AreaEmergencyItem,
  Issuer,
  IssuerLevel,
  ScheduleDocument,
  ScheduleItem,
  SchedulePayload,
} from '../../devices/contract/broadcast.ts';
import type { ActiveStop, IssuedDocs } from '../../devices/broadcast-plan.ts';
import {
  verifyAreaOrder,
  type AreaOrderKind,
  type AreaOrderOf,
  type ScheduleRefusal,
} from '../../devices/schedule-signature.ts';
import { areaTopic } from '../../devices/topics.ts';
import type { AreaMessage } from '../unit.ts';
import { readJsonOrNull } from './atomic-file.ts';
import { DurableFile } from './durable-file.ts';

type Slot<K extends AreaOrderKind> = {
  issuer: Issuer;
  key: string;
  file: DurableFile;
  topic: string;
  held: { payload: SchedulePayload; order: AreaOrderOf<K> } | null;
};

export type AreaOrderVerdict =
  | { kind: 'accepted'; level: IssuerLevel; version: number }
  | { kind: 'refused'; level: IssuerLevel; reason: ScheduleRefusal; detail: string; version?: number }
  | { kind: 'unchanged' };

/**
 * The orders of one kind (stop, emergency) of the units a speaker belongs to, from their area topics (one
 * retained message per unit for all its speakers, so a province reaches every speaker at once). Each is
 * checked with that unit's key only, must name that unit, and must be newer than the one held (a replayed
 * older order is refused as stale). The one held is kept on disk and verified again on boot. What they say
 * also travels inside each issuer's document; the speaker obeys whichever arrives first.
 */
export class AreaOrders<K extends AreaOrderKind> {
  readonly #slots: Slot<K>[];

  constructor(
    readonly kind: K,
    dir: string,
    issuers: { issuer: Issuer; key: string }[],
  ) {
    this.#slots = issuers.map(({ issuer, key }) => ({
      issuer,
      key,
      file: new DurableFile(join(dir, `area-${kind}-${issuer.level}.json`)),
      topic: areaTopic(kind, issuer.level, issuer.code),
      held: null,
    }));
  }

  topics(): { level: IssuerLevel; topic: string }[] {
    return this.#slots.map((s) => ({ level: s.issuer.level, topic: s.topic }));
  }

  /** the orders kept on disk, verified again (a file changed on the SD card is ignored) */
  load(): void {
    for (const s of this.#slots) {
      const json = readJsonOrNull(s.file.path);
      if (json === null) continue;
      const r = verifyAreaOrder(this.kind, json, s.key, { issuer: s.issuer, minVersion: 1 });
      if (r.ok) s.held = { payload: json as SchedulePayload, order: r.order };
    }
  }

  /** the version held from a level (0: none) */
  versionOf(level: IssuerLevel): number {
    return this.#slots.find((x) => x.issuer.level === level)?.held?.order.version ?? 0;
  }

  judge(level: IssuerLevel, msg: AreaMessage): AreaOrderVerdict {
    const s = this.#slots.find((x) => x.issuer.level === level);
    if (!s) return { kind: 'unchanged' };
    if (!msg.ok) return { kind: 'refused', level, reason: 'invalid', detail: msg.detail };
    const p = msg.payload as Partial<SchedulePayload> | null;
    if (s.held && p && p.doc === s.held.payload.doc && p.sig === s.held.payload.sig) return { kind: 'unchanged' };
    const r = verifyAreaOrder(this.kind, msg.payload, s.key, {
      issuer: s.issuer,
      minVersion: (s.held?.order.version ?? 0) + 1,
    });
    if (!r.ok)
      return {
        kind: 'refused',
        level,
        reason: r.reason,
        detail: r.detail,
        ...(r.version !== undefined ? { version: r.version } : {}),
      };
    s.held = { payload: msg.payload as SchedulePayload, order: r.order };
    return { kind: 'accepted', level, version: r.order.version };
  }

  /** write the accepted order of a level to disk (after the unit has acted on it); rejects on a disk error */
  save(level: IssuerLevel): Promise<void> {
    const s = this.#slots.find((x) => x.issuer.level === level);
    return s?.held ? s.file.write(JSON.stringify(s.held.payload)) : Promise.resolve();
  }

  /** the orders held, by level */
  held(): { level: IssuerLevel; order: AreaOrderOf<K> }[] {
    return this.#slots.flatMap((s) => (s.held ? [{ level: s.issuer.level, order: s.held.order }] : []));
  }
}

const covers = (communes: 'all' | string[], commune: string) => communes === 'all' || communes.includes(commune);

/** the stops in force now that cover this speaker's commune */
export function stopsInForce(orders: AreaOrders<'stop'>, commune: string, now: number): ActiveStop[] {
  return orders
    .held()
    .flatMap(({ level, order }) =>
      order.stops
        .filter((st) => covers(st.communes, commune) && (st.until === null || Date.parse(st.until) > now))
        .map((st): ActiveStop => ({ id: st.id, at: st.at, until: st.until, level })),
    );
}

/** the emergency items of each level that name this speaker's commune and hamlet, as schedule items */
export function emergencyItems(
  orders: AreaOrders<'emergency'>,
  place: { commune: string; hamlet: string },
): Partial<Record<IssuerLevel, ScheduleItem[]>> {
  const out: Partial<Record<IssuerLevel, ScheduleItem[]>> = {};
  for (const { level, order } of orders.held()) {
    const mine = order.items.filter(
      (i: AreaEmergencyItem) => covers(i.communes, place.commune) && covers(i.hamlets, place.hamlet),
    );
    if (mine.length) out[level] = mine.map(({ communes: _c, hamlets: _h, ...item }) => item);
  }
  return out;
}

/**
 * Every issuer's document with that issuer's area emergency items merged in: an item its document also
 * carries is the same announcement, kept once, so it is one occurrence, played once.
 */
export function withAreaEmergencies(
  docs: IssuedDocs,
  areaItems: Partial<Record<IssuerLevel, ScheduleItem[]>>,
  target: { speaker: string; commune: string; hamlet: string },
): IssuedDocs {
  for (const [level, items] of Object.entries(areaItems) as [IssuerLevel, ScheduleItem[]][]) {
    const doc = docs[level];
    const known = new Set(doc?.items.map((i) => i.announcement) ?? []);
    const extra = items.filter((i) => !known.has(i.announcement));
    if (extra.length === 0) continue;
    docs[level] = doc
      ? { ...doc, items: [...doc.items, ...extra] }
      : // no document from that issuer yet: its area order alone (no policy, no stop of its own)
        ({
          v: 1,
          commune: target.commune,
          speaker: target.speaker,
          hamlet: target.hamlet,
          version: 1,
          issuedAt: '',
          horizon: '',
          items: extra,
        } as ScheduleDocument);
  }
  return docs;
}
