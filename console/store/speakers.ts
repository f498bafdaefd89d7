import type { Db } from './db.ts';

export type SpeakerRow = {
  speaker: string;
  version: number;
  items_hash: string | null;
  published_at: string | null;
  publish_pending: number;
  status: string | null;
  status_active: number | null;
  status_reason: string | null;
  status_at: string | null;
};

/** Per speaker: the last schedule version issued (strictly increasing, committed before it is published) and its verdict. */
export class SpeakerStore {
  constructor(private readonly db: Db) {}

  get(speaker: string): SpeakerRow | undefined {
    return this.db.prepare('SELECT * FROM speakers WHERE speaker = ?').get(speaker) as SpeakerRow | undefined;
  }

  all(): SpeakerRow[] {
    return this.db.prepare('SELECT * FROM speakers').all() as SpeakerRow[];
  }

  /** reserve the next version for a document; the row says "pending" until the broker has it */
  nextVersion(speaker: string, itemsHash: string): number {
    return this.db.transaction(() => {
      const row = this.get(speaker);
      const version = Math.max(row?.version ?? 0, row?.status_active ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO speakers (speaker, version, items_hash, publish_pending) VALUES (?, ?, ?, 1)
           ON CONFLICT(speaker) DO UPDATE SET version = excluded.version, items_hash = excluded.items_hash, publish_pending = 1`,
        )
        .run(speaker, version, itemsHash);
      return version;
    })();
  }

  markPublished(speaker: string, version: number, at: string): void {
    this.db
      .prepare('UPDATE speakers SET publish_pending = 0, published_at = ? WHERE speaker = ? AND version = ?')
      .run(at, speaker, version);
  }

  recordStatus(speaker: string, s: { status: string; active: number; reason: string | null; at: string }): void {
    this.db
      .prepare(
        `INSERT INTO speakers (speaker, status, status_active, status_reason, status_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(speaker) DO UPDATE SET status = excluded.status, status_active = excluded.status_active,
           status_reason = excluded.status_reason, status_at = excluded.status_at`,
      )
      .run(speaker, s.status, s.active, s.reason, s.at);
  }
}
