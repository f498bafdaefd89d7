import type { Announcement, AudioMeta, Status } from '../model.ts';
import type { Db } from './db.ts';

type Row = {
  id: string;
  commune: string;
  title: string;
  text: string | null;
  audio_sha: string;
  hamlets: string;
  schedule: string;
  repeats: number;
  volume: number;
  priority: Announcement['priority'];
  status: Status;
  reject_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  approved_by: string | null;
  approved_at: string | null;
  revision: number;
  revision_of: string | null;
  mime: AudioMeta['mime'];
  bytes: number;
  duration_s: number;
  level: Announcement['level'];
  targets: string | null;
  source: string | null;
};

const SELECT =
  'SELECT a.*, au.mime, au.bytes, au.duration_s FROM announcements a JOIN audio au ON au.sha256 = a.audio_sha';

function toAnnouncement(r: Row): Announcement {
  return {
    id: r.id,
    commune: r.commune,
    level: r.level ?? 'commune',
    targets: r.targets ? JSON.parse(r.targets) : [r.commune],
    title: r.title,
    text: r.text,
    audio: { sha256: r.audio_sha, mime: r.mime, bytes: r.bytes, durationS: r.duration_s },
    hamlets: JSON.parse(r.hamlets),
    schedule: JSON.parse(r.schedule),
    repeats: r.repeats,
    volume: r.volume,
    priority: r.priority,
    status: r.status,
    rejectReason: r.reject_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    revision: r.revision,
    revisionOf: r.revision_of ?? null,
    ...(r.source ? { source: JSON.parse(r.source) } : {}),
  };
}

export class AnnouncementStore {
  constructor(private readonly db: Db) {}

  get(id: string): Announcement | undefined {
    const r = this.db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as Row | undefined;
    return r ? toAnnouncement(r) : undefined;
  }

  list(communes: string[] | null): Announcement[] {
    const rows = communes
      ? (this.db
          .prepare(
            `${SELECT} WHERE a.commune IN (${communes.map(() => '?').join(',') || "''"}) ORDER BY a.created_at DESC`,
          )
          .all(...communes) as Row[])
      : (this.db.prepare(`${SELECT} ORDER BY a.created_at DESC`).all() as Row[]);
    return rows.map(toAnnouncement);
  }

  approvedFor(commune: string): Announcement[] {
    return (
      this.db
        .prepare(`${SELECT} WHERE a.commune = ? AND a.level = 'commune' AND a.status = 'approved'`)
        .all(commune) as Row[]
    ).map(toAnnouncement);
  }

  /** the approved emergencies a unit issued (its area emergency order) */
  approvedEmergenciesOf(level: 'commune' | 'district' | 'province', unit: string): Announcement[] {
    return (
      this.db
        .prepare(`${SELECT} WHERE a.commune = ? AND a.level = ? AND a.status = 'approved' AND a.priority = 'emergency'`)
        .all(unit, level) as Row[]
    ).map(toAnnouncement);
  }

  /** the approved announcements a province or district issued for this commune */
  approvedFrom(level: 'district' | 'province', unit: string, commune: string): Announcement[] {
    return (
      this.db
        .prepare(`${SELECT} WHERE a.commune = ? AND a.level = ? AND a.status = 'approved'`)
        .all(unit, level) as Row[]
    )
      .map(toAnnouncement)
      .filter((a) => (a.targets ?? 'all') === 'all' || (a.targets as string[]).includes(commune));
  }

  /** the pending (not yet approved) revision of an approved announcement, if any */
  pendingRevisionOf(id: string): Announcement | undefined {
    const r = this.db
      .prepare(`${SELECT} WHERE a.revision_of = ? AND a.status IN ('draft', 'submitted', 'rejected')`)
      .get(id) as Row | undefined;
    return r ? toAnnouncement(r) : undefined;
  }

  /** insert or replace the whole record (callers run it inside a transaction with the audit entry) */
  save(a: Announcement): void {
    this.db
      .prepare(
        `INSERT INTO announcements (id, commune, level, targets, title, text, audio_sha, hamlets, schedule, repeats, volume, priority, status, reject_reason,
           created_by, created_at, updated_at, approved_by, approved_at, revision, revision_of, source)
         VALUES (@id, @commune, @level, @targets, @title, @text, @audio, @hamlets, @schedule, @repeats, @volume, @priority, @status, @rejectReason,
           @createdBy, @createdAt, @updatedAt, @approvedBy, @approvedAt, @revision, @revisionOf, @source)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, text = excluded.text, audio_sha = excluded.audio_sha, hamlets = excluded.hamlets,
           schedule = excluded.schedule, targets = excluded.targets, repeats = excluded.repeats, volume = excluded.volume, priority = excluded.priority,
           status = excluded.status, reject_reason = excluded.reject_reason, updated_at = excluded.updated_at,
           approved_by = excluded.approved_by, approved_at = excluded.approved_at, revision = excluded.revision, source = excluded.source`,
      )
      .run({
        ...a,
        revisionOf: a.revisionOf ?? null,
        level: a.level ?? 'commune',
        targets: JSON.stringify(a.targets ?? [a.commune]),
        audio: a.audio.sha256,
        hamlets: JSON.stringify(a.hamlets),
        schedule: JSON.stringify(a.schedule),
        source: a.source ? JSON.stringify(a.source) : null,
      });
  }
}
