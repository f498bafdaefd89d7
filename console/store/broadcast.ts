import type { SoundPolicy } from '../../devices/contract/broadcast.ts';
import type { UnitLevel } from '../levels.ts';
import type { Db } from './db.ts';
import type { SpeakerRow } from './speakers.ts';

/** the same columns as a commune schedule's row (SpeakerRow), per issuer channel */
export type DocRow = SpeakerRow & { channel: string };

/** Per speaker and per issuer topic above the commune: the last version issued and the speaker's verdict. */
export class SpeakerDocStore {
  constructor(private readonly db: Db) {}

  get(speaker: string, channel: string): DocRow | undefined {
    return this.db.prepare('SELECT * FROM speaker_docs WHERE speaker = ? AND channel = ?').get(speaker, channel) as
      | DocRow
      | undefined;
  }

  /** has a document of this channel ever been issued to one of these speakers? */
  anyIssued(speakers: string[], channel: string): boolean {
    if (speakers.length === 0) return false;
    const r = this.db
      .prepare(
        `SELECT 1 FROM speaker_docs WHERE channel = ? AND version > 0 AND speaker IN (${speakers.map(() => '?').join(',')}) LIMIT 1`,
      )
      .get(channel, ...speakers);
    return !!r;
  }

  nextVersion(speaker: string, channel: string, itemsHash: string): number {
    return this.db.transaction(() => {
      const row = this.get(speaker, channel);
      const version = Math.max(row?.version ?? 0, row?.status_active ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO speaker_docs (speaker, channel, version, items_hash, publish_pending) VALUES (?, ?, ?, ?, 1)
           ON CONFLICT(speaker, channel) DO UPDATE SET version = excluded.version, items_hash = excluded.items_hash, publish_pending = 1`,
        )
        .run(speaker, channel, version, itemsHash);
      return version;
    })();
  }

  markPublished(speaker: string, channel: string, version: number, at: string): void {
    this.db
      .prepare(
        'UPDATE speaker_docs SET publish_pending = 0, published_at = ? WHERE speaker = ? AND channel = ? AND version = ?',
      )
      .run(at, speaker, channel, version);
  }

  recordStatus(
    speaker: string,
    channel: string,
    s: { status?: string; active: number; reason?: string | null; at: string },
  ): void {
    this.db
      .prepare(
        `INSERT INTO speaker_docs (speaker, channel, status, status_active, status_reason, status_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(speaker, channel) DO UPDATE SET status = coalesce(excluded.status, status), status_active = excluded.status_active,
           status_reason = CASE WHEN excluded.status IS NULL THEN status_reason ELSE excluded.status_reason END, status_at = excluded.status_at`,
      )
      .run(speaker, channel, s.status ?? null, s.active, s.reason ?? null, s.at);
  }

  /** the speaker's own word on the stop in force, and when it was last heard of */
  recordSeen(speaker: string, at: string, stopped?: { id: string; level: string } | null): void {
    this.db
      .prepare(
        'INSERT INTO speakers (speaker, last_seen) VALUES (?, ?) ON CONFLICT(speaker) DO UPDATE SET last_seen = excluded.last_seen',
      )
      .run(speaker, at);
    if (stopped !== undefined)
      this.db
        .prepare('UPDATE speakers SET stopped = ? WHERE speaker = ?')
        .run(stopped ? JSON.stringify(stopped) : null, speaker);
  }

  seen(speaker: string): { lastSeen: string | null; stopped: { id: string; level: string } | null } {
    const r = this.db.prepare('SELECT last_seen, stopped FROM speakers WHERE speaker = ?').get(speaker) as
      | { last_seen: string | null; stopped: string | null }
      | undefined;
    return { lastSeen: r?.last_seen ?? null, stopped: r?.stopped ? JSON.parse(r.stopped) : null };
  }
}

/** a stop as the console keeps it (its shape is the API's) */
export type { Stop } from '../api/broadcast.ts';
import type { Stop } from '../api/broadcast.ts';

type StopRow = {
  id: string;
  level: UnitLevel;
  unit: string;
  targets: string;
  at: string;
  until: string | null;
  created_by: string;
  lifted_at: string | null;
  lifted_by: string | null;
};
const toStop = (r: StopRow): Stop => ({
  id: r.id,
  level: r.level,
  unit: r.unit,
  targets: JSON.parse(r.targets),
  at: r.at,
  until: r.until,
  createdBy: r.created_by,
  liftedAt: r.lifted_at,
  liftedBy: r.lifted_by,
});

export class StopStore {
  constructor(private readonly db: Db) {}

  insert(s: Stop): void {
    this.db
      .prepare('INSERT INTO stops (id, level, unit, targets, at, until, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.level, s.unit, JSON.stringify(s.targets), s.at, s.until, s.createdBy);
  }

  get(id: string): Stop | undefined {
    const r = this.db.prepare('SELECT * FROM stops WHERE id = ?').get(id) as StopRow | undefined;
    return r ? toStop(r) : undefined;
  }

  lift(id: string, by: string, at: string): void {
    this.db.prepare('UPDATE stops SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL').run(at, by, id);
  }

  /** stops not lifted and not yet ended */
  active(now: string): Stop[] {
    return (
      this.db
        .prepare('SELECT * FROM stops WHERE lifted_at IS NULL AND (until IS NULL OR until > ?) ORDER BY at')
        .all(now) as StopRow[]
    ).map(toStop);
  }

  recent(limit: number): Stop[] {
    return (this.db.prepare('SELECT * FROM stops ORDER BY at DESC LIMIT ?').all(limit) as StopRow[]).map(toStop);
  }
}

export class PolicyStore {
  constructor(private readonly db: Db) {}

  get(level: UnitLevel, unit: string): SoundPolicy | undefined {
    const r = this.db.prepare('SELECT policy FROM sound_policies WHERE level = ? AND unit = ?').get(level, unit) as
      | { policy: string }
      | undefined;
    return r ? (JSON.parse(r.policy) as SoundPolicy) : undefined;
  }

  set(level: UnitLevel, unit: string, policy: SoundPolicy, by: string, at: string): void {
    this.db
      .prepare(
        `INSERT INTO sound_policies (level, unit, policy, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(level, unit) DO UPDATE SET policy = excluded.policy, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(level, unit, JSON.stringify(policy), by, at);
  }
}
