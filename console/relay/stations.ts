import { randomBytes } from 'node:crypto';
import type { SignedStation, StationDocument } from '../../devices/contract/stream.ts';
import { StationDocument as StationSchema, StreamFormat, StreamUrl } from '../../devices/contract/stream.ts';
import { signStation } from '../../devices/station-signature.ts';
import type { Clock } from '../../infra/clock.ts';
import { requireRole } from '../access.ts';
import { fail } from '../errors.ts';
import type { CommuneKey } from '../keys.ts';
import type { User } from '../model.ts';
import type { Store } from '../store/index.ts';

export type Station = {
  id: string;
  name: string;
  url: string;
  format: NonNullable<StationDocument['format']> | null;
  approvedBy: string;
  approvedAt: string;
  signed: SignedStation;
  revokedAt: string | null;
  revokedBy: string | null;
};

type Row = {
  id: string;
  name: string;
  url: string;
  format: string | null;
  approved_by: string;
  approved_at: string;
  doc: string;
  sig: string;
  revoked_at: string | null;
  revoked_by: string | null;
};

/**
 * The province's list of stations speakers may relay. Each entry is signed with the province key when it is
 * approved; relay announcements carry that signed entry, and speakers check it against the province key.
 * Approving a station is a province-level act: today the admin account (the province's operator).
 * The station key is deliberately not the province's broadcast key: it vouches only for URLs (a leak of it makes no
 * speaker play: a relay still needs a signed schedule), and each can be rotated without the other (console/README.md).
 */
export class StationService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      province: string;
      key: CommuneKey;
      /** a commune whose announcements changed: its schedules are re-issued */
      onRevoked?(commune: string): void;
    },
  ) {}

  get publicKeyPem(): string {
    return this.deps.key.publicKeyPem;
  }

  list(): Station[] {
    return (this.deps.store.db.prepare('SELECT * FROM relay_stations ORDER BY name').all() as Row[]).map(toStation);
  }

  get(id: unknown): Station {
    if (typeof id !== 'string') fail('STATION_UNKNOWN');
    const row = this.deps.store.db.prepare('SELECT * FROM relay_stations WHERE id = ?').get(id) as Row | undefined;
    if (!row) fail('STATION_UNKNOWN');
    return toStation(row);
  }

  /** a station a relay may still use (new drafts, approvals): STATION_REVOKED once the province withdrew it */
  usable(id: unknown): Station {
    const s = this.get(id);
    if (s.revokedAt) fail('STATION_REVOKED');
    return s;
  }

  /**
   * The province withdraws a station. Its signed entry stays valid to the speakers' key, so what stops them is
   * the schedules: every announcement that relays it is stopped here (audited "station-revoked") and the
   * communes' schedules re-issued (onRevoked), so the speakers drop the relay; new relays of it are refused.
   */
  revoke(user: User, id: unknown): Station {
    requireRole(user, 'admin');
    const before = this.get(id);
    if (before.revokedAt) return before;
    const { store } = this.deps;
    const at = new Date(this.deps.clock.now()).toISOString();
    const communes = new Set<string>();
    store.tx(() => {
      store.db
        .prepare('UPDATE relay_stations SET revoked_at = ?, revoked_by = ? WHERE id = ?')
        .run(at, user.username, before.id);
      store.audit.record({
        at,
        username: user.username,
        commune: null,
        action: 'station.revoke',
        target: before.id,
        before: null,
        after: { id: before.id, name: before.name, url: before.url },
      });
      for (const a of store.announcements.list(null)) {
        if (a.source?.kind !== 'relay' || a.source.station !== before.id) continue;
        if (a.status !== 'approved' && a.status !== 'submitted' && a.status !== 'draft') continue;
        const after = { ...a, status: 'stopped' as const, updatedAt: at };
        store.announcements.save(after);
        store.audit.record({
          at,
          username: user.username,
          commune: a.commune,
          action: 'station-revoked',
          target: a.id,
          before: a,
          after,
        });
        communes.add(a.commune);
      }
    });
    for (const c of communes) this.deps.onRevoked?.(c);
    return this.get(before.id);
  }

  approve(user: User, body: unknown): Station {
    requireRole(user, 'admin');
    const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const name = typeof raw.name === 'string' ? raw.name.trim() : '';
    if (!name || name.length > 200) fail('STATION_INVALID', 'Tên đài từ 1 đến 200 ký tự.');
    const url = StreamUrl.safeParse(typeof raw.url === 'string' ? raw.url.trim() : raw.url);
    if (!url.success) fail('STATION_INVALID', 'Địa chỉ luồng phải là http:// hoặc https://.');
    const format =
      raw.format === undefined || raw.format === null || raw.format === ''
        ? undefined
        : StreamFormat.safeParse(raw.format);
    if (format && !format.success) fail('STATION_INVALID', 'Định dạng: mp3, aac, ogg hoặc hls.');
    const approvedAt = new Date(this.deps.clock.now()).toISOString();
    const doc = StationSchema.parse({
      v: 1,
      province: this.deps.province,
      id: `dai-${randomBytes(4).toString('hex')}`,
      name,
      url: url.data,
      ...(format?.data ? { format: format.data } : {}),
      approvedAt,
    });
    const signed = signStation(doc, this.deps.key.privateKey);
    const { store } = this.deps;
    store.tx(() => {
      store.db
        .prepare(
          'INSERT INTO relay_stations (id, name, url, format, approved_by, approved_at, doc, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(doc.id, name, doc.url, doc.format ?? null, user.username, approvedAt, signed.doc, signed.sig);
      store.audit.record({
        at: approvedAt,
        username: user.username,
        commune: null,
        action: 'station.approve',
        target: doc.id,
        before: null,
        after: doc,
      });
    });
    return this.get(doc.id);
  }
}

function toStation(r: Row): Station {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    format: (r.format as Station['format']) ?? null,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    signed: { doc: r.doc, sig: r.sig },
    revokedAt: r.revoked_at ?? null,
    revokedBy: r.revoked_by ?? null,
  };
}
