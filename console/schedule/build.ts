import { createHash } from 'node:crypto';
import type { ScheduleItem } from '../../devices/contract/broadcast.ts';
import type { Announcement } from '../model.ts';
import { expand } from '../recurrence.ts';

export type BuildOptions = { now: number; horizon: number; validityS: number; emergencyValidityS: number };

export const MAX_ITEMS = 500;
export const MAX_OCCURRENCES = 2000;

function targets(a: Announcement, hamlet: string): boolean {
  return a.hamlets === 'all' || a.hamlets.includes(hamlet);
}

/**
 * An emergency (of recorded or spoken audio) travels in its unit's one area emergency order, which every
 * speaker of the unit reads, instead of in each speaker's own documents: a province-wide warning is one
 * message to sign, send and verify, not thousands. Relays and live sessions stay in the documents.
 */
export function carriedByArea(a: Announcement): boolean {
  return a.priority === 'emergency' && !a.source;
}

/**
 * The items of one hamlet's schedule: every approved announcement for it with its occurrences from
 * (now − validity), so one that is still playable is not dropped, up to the horizon.
 */
export function buildItems(
  approved: Announcement[],
  hamlet: string,
  o: BuildOptions,
  /** also the items the area orders carry: what the speaker plays (the preview), not what its documents hold */
  opts: { withArea?: boolean } = {},
): ScheduleItem[] {
  const items: ScheduleItem[] = [];
  for (const a of approved) {
    if (a.status !== 'approved' || !targets(a, hamlet) || (carriedByArea(a) && !opts.withArea)) continue;
    const item = buildItem(a, o);
    if (item) items.push(item);
  }
  // the soonest first, so a cap keeps what plays next
  items.sort((x, y) =>
    x.occurrences[0] < y.occurrences[0]
      ? -1
      : x.occurrences[0] > y.occurrences[0]
        ? 1
        : x.announcement.localeCompare(y.announcement),
  );
  return items.slice(0, MAX_ITEMS);
}

/** one approved announcement as a schedule item, with its occurrences from (now − validity) to the horizon; null: none left */
export function buildItem(a: Announcement, o: BuildOptions): ScheduleItem | null {
  // a relay may be joined late, up to the end of its window
  const validityS = a.source ? a.source.durationS : a.priority === 'emergency' ? o.emergencyValidityS : o.validityS;
  const occurrences = expand(a.schedule, o.now - validityS * 1000, o.horizon, MAX_OCCURRENCES);
  if (occurrences.length === 0) return null;
  return {
    announcement: a.id,
    title: a.title,
    priority: a.priority,
    audio: {
      sha256: a.audio.sha256,
      path: `/audio/${a.audio.sha256}`,
      bytes: a.audio.bytes,
      durationS: a.audio.durationS,
      mime: a.audio.mime,
    },
    volume: a.volume,
    repeats: a.repeats,
    validityS,
    occurrences,
    ...(a.source?.kind === 'relay'
      ? { source: { kind: 'relay' as const, station: a.source.signed, durationS: a.source.durationS } }
      : {}),
    ...(a.source?.kind === 'live'
      ? {
          source: {
            kind: 'live' as const,
            url: a.source.url,
            format: 'mp3' as const,
            durationS: a.source.durationS,
            by: a.source.by,
          },
        }
      : {}),
  };
}

/** what decides whether a document must be re-issued: its items, and the policy and stop it carries */
export function itemsHash(items: ScheduleItem[], ...extra: unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify(extra.length ? [items, ...extra] : items))
    .digest('hex');
}
