import type { Db } from '../store/db.ts';

import type { PendingDevice } from '../api/provisioning.ts';

export type { PendingDevice } from '../api/provisioning.ts';
export type ClaimState = PendingDevice['state'];

type Row = {
  device_id: string;
  commune: string;
  kind: PendingDevice['kind'];
  place: string;
  name: string | null;
  state: ClaimState;
  created_by: string;
  created_at: string;
  expires_at: number;
  claimed_at: string | null;
};

const toDevice = (r: Row): PendingDevice => ({
  deviceId: r.device_id,
  commune: r.commune,
  kind: r.kind,
  place: r.place,
  name: r.name,
  state: r.state,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  claimedAt: r.claimed_at,
});

/**
 * Devices registered in the console and waiting for (or done with) their claim. The table is this module's own
 * (created if missing) so it does not take a number in the console's shared migration list.
 */
export class ProvisioningStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS provisioning_claims (
      device_id TEXT PRIMARY KEY,
      commune TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('rating-box', 'speaker')),
      place TEXT NOT NULL,
      name TEXT,
      code_hash TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'revoked')),
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      claimed_at TEXT,
      claimed_from TEXT
    )`);
  }

  get(deviceId: string): PendingDevice | undefined {
    const r = this.db.prepare('SELECT * FROM provisioning_claims WHERE device_id = ?').get(deviceId) as Row | undefined;
    return r && toDevice(r);
  }

  /** a new registration, or a fresh code for one not yet claimed (the old code stops working) */
  upsertPending(d: Omit<PendingDevice, 'state' | 'claimedAt'>, codeHash: string): void {
    this.db
      .prepare(
        `INSERT INTO provisioning_claims (device_id, commune, kind, place, name, code_hash, state, created_by, created_at, expires_at)
         VALUES (@deviceId, @commune, @kind, @place, @name, @codeHash, 'pending', @createdBy, @createdAt, @expiresAt)
         ON CONFLICT (device_id) DO UPDATE SET commune = excluded.commune, kind = excluded.kind, place = excluded.place,
           name = excluded.name, code_hash = excluded.code_hash, state = 'pending', created_by = excluded.created_by,
           created_at = excluded.created_at, expires_at = excluded.expires_at
         WHERE provisioning_claims.state != 'claimed'`,
      )
      .run({ ...d, codeHash });
  }

  /** the pending, unexpired registration a code belongs to (no state change) */
  pendingByCode(codeHash: string, nowMs: number): PendingDevice | undefined {
    const r = this.db
      .prepare(`SELECT * FROM provisioning_claims WHERE code_hash = ? AND state = 'pending' AND expires_at > ?`)
      .get(codeHash, nowMs) as Row | undefined;
    return r && toDevice(r);
  }

  /** burn the code: one statement, so of two simultaneous claims exactly one wins */
  markClaimed(codeHash: string, nowMs: number, at: string, from: string): PendingDevice | undefined {
    const r = this.db
      .prepare(
        `UPDATE provisioning_claims SET state = 'claimed', claimed_at = ?, claimed_from = ? WHERE code_hash = ? AND state = 'pending' AND expires_at > ? RETURNING *`,
      )
      .get(at, from, codeHash, nowMs) as Row | undefined;
    return r && toDevice(r);
  }

  revoke(deviceId: string): boolean {
    return (
      this.db
        .prepare(`UPDATE provisioning_claims SET state = 'revoked' WHERE device_id = ? AND state = 'pending'`)
        .run(deviceId).changes === 1
    );
  }

  list(communes: string[]): PendingDevice[] {
    if (communes.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM provisioning_claims WHERE commune IN (${communes.map(() => '?').join(',')}) ORDER BY created_at DESC`,
      )
      .all(...communes) as Row[];
    return rows.map(toDevice);
  }
}
