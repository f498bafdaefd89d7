import { vnMinuteOfDay } from './time/vietnam.ts';
import {
  ISSUER_RANK,
  type IssuerLevel,
  type Priority,
  type ScheduleDocument,
  type ScheduleItem,
  type SoundPolicy,
  type StopOrder,
} from './contract/broadcast.ts';

/**
 * What a loudspeaker will do with its documents: the expansion into occurrences, quiet hours, volume caps
 * and stops. One module for the speaker (firmware-bridge/speaker) and the console's preview, so the
 * preview lists exactly what the speaker's scheduler fires.
 */

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** [from, to) daily; from > to wraps past midnight; from === to means the whole day. */
export function inPeriod(p: { from: string; to: string }, utcMs: number): boolean {
  const t = vnMinuteOfDay(utcMs);
  const from = minutes(p.from);
  const to = minutes(p.to);
  if (from === to) return true;
  return from < to ? t >= from && t < to : t >= from || t < to;
}

export type QuietHours = SoundPolicy['quietHours'];
export type VolumeCaps = SoundPolicy['volumeCaps'];

export function isQuiet(cfg: QuietHours, priority: Priority, utcMs: number): boolean {
  if (cfg.exempt.includes(priority)) return false;
  return cfg.periods.some((p) => inPeriod(p, utcMs));
}

/**
 * The first instant in [from, until) at which a `priority` sound falls in quiet hours, or null: where a long relay
 * or live stream must stop. Minute steps (periods are whole minutes, and Vietnam time is a whole-hour offset).
 */
export function quietStartsAt(cfg: QuietHours, priority: Priority, from: number, until: number): number | null {
  if (cfg.exempt.includes(priority) || cfg.periods.length === 0) return null;
  if (isQuiet(cfg, priority, from)) return from;
  for (let t = Math.floor(from / 60_000 + 1) * 60_000; t < until; t += 60_000) if (isQuiet(cfg, priority, t)) return t;
  return null;
}

/** The announcement's volume, lowered to the strictest cap of the periods it falls in. */
export function cappedVolume(caps: VolumeCaps, volume: number, utcMs: number): number {
  return caps.filter((c) => inPeriod(c, utcMs)).reduce((v, c) => Math.min(v, c.max), volume);
}

/**
 * Strictest wins: every quiet period of every policy, a priority exempt only when every policy exempts it,
 * every cap. So no issuer (nor a tampered document) can make a unit louder or noisier than another allows.
 */
export function mergePolicies(policies: SoundPolicy[]): SoundPolicy {
  if (policies.length === 0) return { quietHours: { periods: [], exempt: ['emergency'] }, volumeCaps: [] };
  const exempt = policies.map((p) => p.quietHours.exempt).reduce((a, b) => a.filter((x) => b.includes(x)));
  return {
    quietHours: { periods: uniqueBy(policies.flatMap((p) => p.quietHours.periods)), exempt },
    volumeCaps: uniqueBy(policies.flatMap((p) => p.volumeCaps)),
  };
}

function uniqueBy<T>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const PRIORITY_RANK = { normal: 0, priority: 1, emergency: 2 } as const;

/** One scheduled start of one announcement of one issuer. */
export type Occurrence = {
  /** `<announcement>@<start ISO>` (commune) or `<level>/<announcement>@<start ISO>`: its identity across versions and reboots */
  key: string;
  item: ScheduleItem;
  issuer: IssuerLevel;
  start: number;
  /** start + validity: after this it is never played */
  expires: number;
};

/** The documents a speaker runs, one per issuing level. */
export type IssuedDocs = Partial<Record<IssuerLevel, ScheduleDocument>>;

function byStart(a: Occurrence, b: Occurrence): number {
  return (
    a.start - b.start ||
    PRIORITY_RANK[b.item.priority] - PRIORITY_RANK[a.item.priority] ||
    ISSUER_RANK[b.issuer] - ISSUER_RANK[a.issuer] ||
    (a.key < b.key ? -1 : 1)
  );
}

/** Every occurrence of a document, sorted by start (then by priority, highest first). */
export function expandOccurrences(
  doc: ScheduleDocument,
  issuer: IssuerLevel = doc.issuer?.level ?? 'commune',
): Occurrence[] {
  const seen = new Set<string>();
  const out: Occurrence[] = [];
  const prefix = issuer === 'commune' ? '' : `${issuer}/`;
  for (const item of doc.items) {
    for (const iso of item.occurrences) {
      const start = Date.parse(iso);
      const key = `${prefix}${item.announcement}@${new Date(start).toISOString()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, item, issuer, start, expires: start + item.validityS * 1000 });
    }
  }
  return out.sort(byStart);
}

/** The occurrences of every issuer's document, merged in one time line. */
export function expandAll(docs: IssuedDocs): Occurrence[] {
  return (Object.entries(docs) as [IssuerLevel, ScheduleDocument][])
    .flatMap(([level, doc]) => expandOccurrences(doc, level))
    .sort(byStart);
}

/** The effective sound policy of a unit: its local config and every accepted document's policy. */
export function effectivePolicy(docs: IssuedDocs, local?: SoundPolicy): SoundPolicy {
  const list = Object.values(docs).flatMap((d) => (d?.policy ? [d.policy] : []));
  return mergePolicies(local ? [local, ...list] : list);
}

export type ActiveStop = StopOrder & { level: IssuerLevel };

/** The stops in force at `now`, highest level first. */
export function activeStops(docs: IssuedDocs, now: number): ActiveStop[] {
  const out: ActiveStop[] = [];
  for (const [level, doc] of Object.entries(docs) as [IssuerLevel, ScheduleDocument][]) {
    const s = doc.stop;
    if (s && (s.until === null || Date.parse(s.until) > now)) out.push({ ...s, level });
  }
  return out.sort((a, b) => ISSUER_RANK[b.level] - ISSUER_RANK[a.level]);
}

/** The stop that silences an occurrence of this issuer: one of its own level or above. */
export function stopCovering(stops: ActiveStop[], issuer: IssuerLevel): ActiveStop | undefined {
  return stops.find((s) => ISSUER_RANK[s.level] >= ISSUER_RANK[issuer]);
}

/** The next instant a stop ends (so the unit wakes to lift it), or null. */
export function nextStopEnd(stops: ActiveStop[]): number | null {
  const ends = stops.flatMap((s) => (s.until === null ? [] : [Date.parse(s.until)]));
  return ends.length ? Math.min(...ends) : null;
}
