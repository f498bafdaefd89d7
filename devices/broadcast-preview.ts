import type { IssuerLevel, Priority, SoundPolicy } from './contract/broadcast.ts';
import {
  activeStops,
  effectivePolicy,
  expandAll,
  isQuiet,
  PRIORITY_RANK,
  stopCovering,
  type IssuedDocs,
} from './broadcast-plan.ts';

/** One line of the preview: what a speaker's scheduler fires in the period, and what will become of it. */
export type PreviewEntry = {
  key: string;
  announcement: string;
  title: string;
  issuer: IssuerLevel;
  priority: Priority;
  start: string;
  /** expected end, from the audio's length × repeats */
  end: string;
  /** what the unit will do: play; skip for quiet hours or a stop; wait behind another; be cut by an emergency */
  fate: 'plays' | 'quiet-hours' | 'stopped' | 'pushed-back' | 'cut' | 'busy';
  /** the announcements it overlaps with */
  overlaps: string[];
  /** pushed-back/cut/busy: the announcement responsible */
  by?: string;
  /** pushed-back: when it is expected to start */
  expectedStart?: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The preview of a speaker's documents over [from, to): the same expansion as the speaker's scheduler
 * (devices/broadcast-plan.ts), then the runner's rules in order: quiet hours and stops skip, an emergency
 * cuts anything lower, otherwise one plays at a time and the next waits (skipped once past its validity).
 */
export function previewSchedule(
  docs: IssuedDocs,
  from: number,
  to: number,
  opts: { local?: SoundPolicy; warmupMs?: number; now?: number } = {},
): PreviewEntry[] {
  const policy = effectivePolicy(docs, opts.local);
  const stops = activeStops(docs, opts.now ?? from);
  const occs = expandAll(docs).filter((o) => o.start >= from && o.start < to);
  const lengthMs = (o: (typeof occs)[number]) =>
    Math.round(o.item.audio.durationS * 1000 * o.item.repeats) + (opts.warmupMs ?? 0);
  const entries: PreviewEntry[] = occs.map((o) => ({
    key: o.key,
    announcement: o.item.announcement,
    title: o.item.title,
    issuer: o.issuer,
    priority: o.item.priority,
    start: iso(o.start),
    end: iso(o.start + lengthMs(o)),
    fate: 'plays',
    overlaps: [],
  }));
  for (let i = 0; i < occs.length; i++) {
    for (let j = i + 1; j < occs.length && occs[j].start < occs[i].start + lengthMs(occs[i]); j++) {
      entries[i].overlaps.push(occs[j].item.announcement);
      entries[j].overlaps.push(occs[i].item.announcement);
    }
  }
  // playing time line: one at a time, emergency cuts lower
  let playing: { i: number; until: number } | null = null;
  for (let i = 0; i < occs.length; i++) {
    const o = occs[i];
    const e = entries[i];
    if (isQuiet(policy.quietHours, o.item.priority, o.start)) e.fate = 'quiet-hours';
    else if (stopCovering(stops, o.issuer)) e.fate = 'stopped';
    if (e.fate !== 'plays') continue;
    if (playing && playing.until > o.start) {
      const cur = occs[playing.i];
      if (o.item.priority === 'emergency' && cur.item.priority !== 'emergency') {
        entries[playing.i].fate = 'cut';
        entries[playing.i].by = o.item.announcement;
      } else {
        const startAt: number = playing.until;
        e.by = cur.item.announcement;
        if (startAt > o.expires) {
          e.fate = 'busy';
          continue;
        }
        e.fate = 'pushed-back';
        e.expectedStart = iso(startAt);
        playing = { i, until: startAt + lengthMs(o) };
        continue;
      }
    }
    playing = { i, until: o.start + lengthMs(o) };
  }
  return entries;
}

/** rank helper for callers sorting preview lines */
export const previewPriorityRank = PRIORITY_RANK;
