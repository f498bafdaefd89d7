import type { ScheduleDocument, ScheduleItem } from '../../devices/contract/broadcast.ts';

/** One scheduled start of one announcement. */
export type Occurrence = {
  /** `<announcement>@<start ISO>`: the identity of an occurrence across schedule versions and reboots */
  key: string;
  item: ScheduleItem;
  start: number;
  /** start + validity: after this it is never played */
  expires: number;
};

export const PRIORITY_RANK = { normal: 0, priority: 1, emergency: 2 } as const;

/** Every occurrence of a document, sorted by start (then by priority, highest first). */
export function expandOccurrences(doc: ScheduleDocument): Occurrence[] {
  const seen = new Set<string>();
  const out: Occurrence[] = [];
  for (const item of doc.items) {
    for (const iso of item.occurrences) {
      const start = Date.parse(iso);
      const key = `${item.announcement}@${new Date(start).toISOString()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, item, start, expires: start + item.validityS * 1000 });
    }
  }
  return out.sort((a, b) => a.start - b.start || PRIORITY_RANK[b.item.priority] - PRIORITY_RANK[a.item.priority]);
}
