import type { BroadcastOutcome } from '../../devices/contract/broadcast.ts';
import type { Db } from './db.ts';

export type Delivery = {
  id: string;
  announcement: string;
  speaker: string;
  hamlet: string | null;
  occurrence: string;
  outcome: BroadcastOutcome;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
};

/** What the speakers reported; the log id makes a redelivered (QoS 1) or twice-read log count once. */
export class DeliveryStore {
  constructor(private readonly db: Db) {}

  /** true when new */
  add(d: Delivery, receivedAt: string): boolean {
    const info = this.db
      .prepare(
        `INSERT OR IGNORE INTO deliveries (id, announcement, speaker, hamlet, occurrence, outcome, reason, started_at, ended_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.id,
        d.announcement,
        d.speaker,
        d.hamlet,
        d.occurrence,
        d.outcome,
        d.reason,
        d.startedAt,
        d.endedAt,
        receivedAt,
      );
    return info.changes > 0;
  }

  forAnnouncement(announcement: string): Delivery[] {
    return this.#select('announcement = ?', announcement);
  }

  /** every log of occurrences since an instant (ISO), for the roll-up of several announcements */
  since(occurrenceFrom: string): Delivery[] {
    return this.#select('occurrence >= ?', occurrenceFrom);
  }

  #select(where: string, param: string): Delivery[] {
    const rows = this.db
      .prepare(
        `SELECT id, announcement, speaker, hamlet, occurrence, outcome, reason, started_at, ended_at FROM deliveries WHERE ${where} ORDER BY occurrence, id`,
      )
      .all(param) as Array<
      Omit<Delivery, 'startedAt' | 'endedAt'> & { started_at: string | null; ended_at: string | null }
    >;
    return rows.map(({ started_at, ended_at, ...r }) => ({ ...r, startedAt: started_at, endedAt: ended_at }));
  }

  /** when a speaker was last heard of through its logs */
  lastReceived(speaker: string): string | null {
    const r = this.db.prepare('SELECT max(received_at) AS at FROM deliveries WHERE speaker = ?').get(speaker) as {
      at: string | null;
    };
    return r.at;
  }
}
