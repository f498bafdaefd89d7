import { join } from 'node:path';
import type { AreaStopOrder, Issuer, IssuerLevel, SchedulePayload } from '../../devices/contract/broadcast.ts';
import type { ActiveStop } from '../../devices/broadcast-plan.ts';
import { verifyAreaStop, type ScheduleRefusal } from '../../devices/schedule-signature.ts';
import { areaStopTopic } from '../../devices/topics.ts';
import type { AreaMessage } from '../unit.ts';
import { readJsonOrNull, writeFileAtomic } from './atomic-file.ts';

type Slot = {
  issuer: Issuer;
  key: string;
  file: string;
  topic: string;
  held: { payload: SchedulePayload; order: AreaStopOrder } | null;
};

export type AreaStopVerdict =
  | { kind: 'accepted'; level: IssuerLevel; version: number }
  | { kind: 'refused'; level: IssuerLevel; reason: ScheduleRefusal; detail: string }
  | { kind: 'unchanged' };

/**
 * The stop orders of the units a speaker belongs to, from their area stop topics (one retained message per
 * unit for all its speakers, so a province's stop reaches every speaker at once). Each is checked with that
 * unit's key only, must name that unit, and must be newer than the one held (a replayed older order, one a
 * leader has since lifted, is refused). The one held is kept on disk and verified again on boot. The same
 * stops also travel inside each issuer's document; the speaker obeys whichever arrives first.
 */
export class AreaStops {
  readonly #slots: Slot[];

  constructor(
    dir: string,
    issuers: { issuer: Issuer; key: string }[],
    private readonly commune: string,
  ) {
    this.#slots = issuers.map(({ issuer, key }) => ({
      issuer,
      key,
      file: join(dir, `area-stop-${issuer.level}.json`),
      topic: areaStopTopic(issuer.level, issuer.code),
      held: null,
    }));
  }

  topics(): { level: IssuerLevel; topic: string }[] {
    return this.#slots.map((s) => ({ level: s.issuer.level, topic: s.topic }));
  }

  /** the orders kept on disk, verified again (a file changed on the SD card is ignored) */
  load(): void {
    for (const s of this.#slots) {
      const json = readJsonOrNull(s.file);
      if (json === null) continue;
      const r = verifyAreaStop(json, s.key, { issuer: s.issuer, minVersion: 1 });
      if (r.ok) s.held = { payload: json as SchedulePayload, order: r.order };
    }
  }

  judge(level: IssuerLevel, msg: AreaMessage): AreaStopVerdict {
    const s = this.#slots.find((x) => x.issuer.level === level);
    if (!s) return { kind: 'unchanged' };
    if (!msg.ok) return { kind: 'refused', level, reason: 'invalid', detail: msg.detail };
    const p = msg.payload as Partial<SchedulePayload> | null;
    if (s.held && p && p.doc === s.held.payload.doc && p.sig === s.held.payload.sig) return { kind: 'unchanged' };
    const r = verifyAreaStop(msg.payload, s.key, { issuer: s.issuer, minVersion: (s.held?.order.version ?? 0) + 1 });
    if (!r.ok) return { kind: 'refused', level, reason: r.reason, detail: r.detail };
    s.held = { payload: msg.payload as SchedulePayload, order: r.order };
    return { kind: 'accepted', level, version: r.order.version };
  }

  /** write the accepted order of a level to disk (after the unit has acted on it); throws on a disk error */
  save(level: IssuerLevel): void {
    const s = this.#slots.find((x) => x.issuer.level === level);
    if (s?.held) writeFileAtomic(s.file, JSON.stringify(s.held.payload));
  }

  /** the stops in force now that cover this speaker's commune */
  inForce(now: number): ActiveStop[] {
    return this.#slots.flatMap((s) =>
      (s.held?.order.stops ?? [])
        .filter(
          (st) =>
            (st.communes === 'all' || st.communes.includes(this.commune)) &&
            (st.until === null || Date.parse(st.until) > now),
        )
        .map((st): ActiveStop => ({ id: st.id, at: st.at, until: st.until, level: s.issuer.level })),
    );
  }
}
