import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';

/** One throttling rule: failures under `key` are forgotten after `quietMs` without a new one. */
export type ThrottleRule = {
  key: string;
  quietMs: number;
  /** the earliest time the next attempt may run, given the failures so far and the last one's time */
  nextAllowedAt(failures: number, lastAt: number): number;
};

export type Claim = { ok: true } | { ok: false; retryAfterMs: number; rule: string };

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Failure counters kept in SQLite. `claim` decides and counts in one synchronous transaction before the
 * password is checked (an attempt counts as a failure until it succeeds), so concurrent guesses cannot all
 * read the same old count across the await of the password hash.
 */
export class LoginAttemptStore {
  constructor(private readonly db: Db) {}

  claim(rules: ThrottleRule[], now: number): Claim {
    return this.db
      .transaction((): Claim => {
        const counts = rules.map((r) => {
          const row = this.db.prepare('SELECT failures, last_at FROM login_attempts WHERE key = ?').get(r.key) as
            | { failures: number; last_at: number }
            | undefined;
          const failures = row && now - row.last_at <= r.quietMs ? row.failures : 0;
          return { r, failures, allowedAt: failures ? r.nextAllowedAt(failures, row!.last_at) : 0 };
        });
        const blocked = counts.filter((c) => c.allowedAt > now).sort((a, b) => b.allowedAt - a.allowedAt)[0];
        if (blocked) return { ok: false, retryAfterMs: blocked.allowedAt - now, rule: blocked.r.key.split(':')[0] };
        const upsert = this.db.prepare(
          `INSERT INTO login_attempts (key, failures, last_at) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at`,
        );
        for (const c of counts) upsert.run(c.r.key, c.failures + 1, now);
        return { ok: true };
      })
      .immediate();
  }

  /** a correct password: forget the failures under `clear`, take back the one counted under `refund` */
  succeeded(clear: string[], refund: string[]): void {
    this.db.transaction(() => {
      for (const k of clear) this.db.prepare('DELETE FROM login_attempts WHERE key = ?').run(k);
      for (const k of refund)
        this.db.prepare('UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?').run(k);
    })();
  }

  /** counters quiet for longer than any rule remembers are dropped (a spray must not grow the table for ever) */
  purgeOlderThan(before: number): number {
    return this.db.prepare('DELETE FROM login_attempts WHERE last_at < ?').run(before).changes;
  }

  failuresOf(key: string): number {
    return (
      (
        this.db.prepare('SELECT failures FROM login_attempts WHERE key = ?').get(key) as
          | { failures: number }
          | undefined
      )?.failures ?? 0
    );
  }

  /** a browser that has logged in as this user before; only the token's SHA-256 is stored */
  newDevice(userId: number, now: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)')
      .run(hash(token), userId, now, now);
    return token;
  }

  /** the user id a known-device token belongs to, or undefined */
  deviceOwner(token: string): { userId: number; id: string } | undefined {
    const id = hash(token);
    const r = this.db.prepare('SELECT user_id FROM known_devices WHERE token_hash = ?').get(id) as
      | { user_id: number }
      | undefined;
    return r ? { userId: r.user_id, id: id.slice(0, 32) } : undefined;
  }

  touchDevice(token: string, now: number): void {
    this.db.prepare('UPDATE known_devices SET last_used_at = ? WHERE token_hash = ?').run(now, hash(token));
  }
}
