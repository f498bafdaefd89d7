import type { Db } from './db.ts';

export type AuditEntry = {
  id: number;
  at: string;
  username: string;
  commune: string | null;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
};

type Row = Omit<AuditEntry, 'before' | 'after'> & { before: string | null; after: string | null };

/** Append-only: written in the same transaction as the change it records. */
export class AuditStore {
  constructor(private readonly db: Db) {}

  record(e: Omit<AuditEntry, 'id'>): void {
    this.db
      .prepare('INSERT INTO audit (at, username, commune, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        e.at,
        e.username,
        e.commune,
        e.action,
        e.target,
        e.before === undefined ? null : JSON.stringify(e.before),
        e.after === undefined ? null : JSON.stringify(e.after),
      );
  }

  /** the people who did one of `actions` to `target` */
  actorsOf(target: string, actions: string[]): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT username FROM audit WHERE target = ? AND action IN (${actions.map(() => '?').join(',')})`,
      )
      .all(target, ...actions) as Array<{ username: string }>;
    return rows.map((r) => r.username);
  }

  /** newest first; `communes` null = every commune (admin) */
  list(communes: string[] | null, opts: { target?: string; limit?: number } = {}): AuditEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (communes) {
      where.push(`commune IN (${communes.map(() => '?').join(',') || "''"})`);
      args.push(...communes);
    }
    if (opts.target) {
      where.push('target = ?');
      args.push(opts.target);
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, opts.limit ?? 500) as Row[];
    return rows.map((r) => ({
      ...r,
      before: r.before ? JSON.parse(r.before) : null,
      after: r.after ? JSON.parse(r.after) : null,
    }));
  }
}
