import { createHash, randomBytes } from 'node:crypto';
import type { Role, User } from '../model.ts';
import type { Db } from './db.ts';

type UserRow = {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  level: User['level'];
  unit: string | null;
  communes: string;
  display_name: string | null;
  disabled: number;
};

function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    level: r.level,
    unit: r.unit,
    communes: JSON.parse(r.communes) as string[],
    displayName: r.display_name,
  };
}

/** Session tokens are 32 random bytes; only their SHA-256 is stored, so a leaked database opens no session. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class UserStore {
  constructor(private readonly db: Db) {}

  byUsername(username: string): (User & { passwordHash: string; disabled: boolean }) | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return r ? { ...toUser(r), passwordHash: r.password_hash, disabled: r.disabled === 1 } : undefined;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users WHERE disabled = 0 ORDER BY username').all() as UserRow[]).map(toUser);
  }

  /** every account, locked ones too (the admin's list) */
  listAll(): Array<User & { disabled: boolean }> {
    return (this.db.prepare('SELECT * FROM users ORDER BY disabled, username').all() as UserRow[]).map((r) => ({
      ...toUser(r),
      disabled: r.disabled === 1,
    }));
  }

  activeAdmins(): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0").get() as { n: number }
    ).n;
  }

  enable(username: string): boolean {
    return (
      this.db.prepare('UPDATE users SET disabled = 0 WHERE username = ? AND disabled = 1').run(username).changes > 0
    );
  }

  insert(
    u: {
      username: string;
      passwordHash: string;
      role: Role;
      level?: User['level'];
      unit?: string | null;
      communes: string[];
      displayName?: string | null;
    },
    at: string,
  ): User {
    const level = u.level ?? null;
    const unit = u.unit ?? null;
    const info = this.db
      .prepare(
        'INSERT INTO users (username, password_hash, role, level, unit, communes, display_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(u.username, u.passwordHash, u.role, level, unit, JSON.stringify(u.communes), u.displayName ?? null, at);
    return {
      id: Number(info.lastInsertRowid),
      username: u.username,
      role: u.role,
      level,
      unit,
      communes: u.communes,
      displayName: u.displayName ?? null,
    };
  }

  disable(username: string): boolean {
    const info = this.db.prepare('UPDATE users SET disabled = 1 WHERE username = ?').run(username);
    this.db.prepare('DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)').run(username);
    return info.changes > 0;
  }

  createSession(userId: number, now: number, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), userId, now, now + ttlMs);
    return token;
  }

  userForToken(token: string, now: number): User | undefined {
    const r = this.db
      .prepare(
        'SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0',
      )
      .get(hashToken(token), now) as UserRow | undefined;
    return r ? toUser(r) : undefined;
  }

  deleteSession(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
  }

  purgeExpired(now: number): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  }
}
