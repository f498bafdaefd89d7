import type { CaseRow, CaseStep, FeedKind } from '../api/followup.ts';
import type { Db } from '../store/db.ts';

/**
 * Follow-up cases of unhappy citizens: one per "Không hài lòng" rating (keyed by the rating id, so a
 * reconciliation that sees a rating again opens nothing new) or per alert (a counter's share of negative
 * ratings in a window). Each step is kept: assignment, contacts with the citizen, actions, the closing.
 * `events` is an ordered feed (seq) that integrators read (Node-RED) to forward to Zalo or SMS.
 */
export type { CaseKind, CaseRow, CaseStep } from '../api/followup.ts';

export function ensureFollowupSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS followup_cases (
      id INTEGER PRIMARY KEY,
      commune TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('rating', 'alert')),
      source TEXT NOT NULL UNIQUE,
      counter TEXT, device TEXT, dossier TEXT, officer TEXT,
      rated_at INTEGER NOT NULL,
      opened_at INTEGER NOT NULL,
      due_at INTEGER,
      deadline_error TEXT,
      assignee TEXT,
      closed_at INTEGER,
      closing TEXT,
      steps TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX IF NOT EXISTS followup_commune ON followup_cases(commune, closed_at);
    CREATE TABLE IF NOT EXISTS followup_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      case_id INTEGER NOT NULL,
      commune TEXT NOT NULL,
      kind TEXT NOT NULL,
      at INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS followup_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS user_emails (username TEXT PRIMARY KEY, email TEXT NOT NULL);
  `);
}

/** a followup_cases row: the columns named as in CaseRow, the rest in snake case, the steps as JSON */
type Raw = Pick<
  CaseRow,
  'id' | 'commune' | 'kind' | 'source' | 'counter' | 'device' | 'dossier' | 'officer' | 'assignee' | 'closing'
> & {
  rated_at: number;
  opened_at: number;
  due_at: number | null;
  deadline_error: string | null;
  closed_at: number | null;
  steps: string;
};
const toRow = (r: Raw): CaseRow => ({
  id: r.id,
  commune: r.commune,
  kind: r.kind,
  source: r.source,
  counter: r.counter,
  device: r.device,
  dossier: r.dossier,
  officer: r.officer,
  ratedAt: r.rated_at,
  openedAt: r.opened_at,
  dueAt: r.due_at,
  deadlineError: r.deadline_error,
  assignee: r.assignee,
  closedAt: r.closed_at,
  closing: r.closing,
  steps: JSON.parse(r.steps) as CaseStep[],
});

/**
 * A commune's follow-up counts for a period (cases opened in [from, to)): opened, still open, open and past
 * their deadline at `now` (overdue), closed, closed on or after their deadline. The console's follow-up page,
 * the service CSV and the review appendix all count with this.
 */
export function caseCounts(rows: readonly CaseRow[], from: number, to: number, now: number) {
  const inPeriod = rows.filter((r) => r.openedAt >= from && r.openedAt < to);
  return {
    opened: inPeriod.length,
    open: inPeriod.filter((r) => r.closedAt === null).length,
    overdue: inPeriod.filter((r) => r.closedAt === null && r.dueAt !== null && now >= r.dueAt).length,
    closed: inPeriod.filter((r) => r.closedAt !== null).length,
    closedLate: inPeriod.filter((r) => r.closedAt !== null && r.dueAt !== null && r.closedAt >= r.dueAt).length,
  };
}
export type CaseCounts = ReturnType<typeof caseCounts>;

export type NewCase = Omit<CaseRow, 'id' | 'assignee' | 'closedAt' | 'closing' | 'steps'>;

export class FollowupStore {
  constructor(private readonly db: Db) {
    ensureFollowupSchema(db);
  }

  /** opens the case unless one exists for this source; returns the new case, or null */
  open(c: NewCase): CaseRow | null {
    return this.db.transaction(() => {
      const res = this.db
        .prepare(`INSERT INTO followup_cases (commune, kind, source, counter, device, dossier, officer, rated_at, opened_at, due_at, deadline_error)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO NOTHING`)
        .run(
          c.commune,
          c.kind,
          c.source,
          c.counter,
          c.device,
          c.dossier,
          c.officer,
          c.ratedAt,
          c.openedAt,
          c.dueAt,
          c.deadlineError,
        );
      if (res.changes === 0) return null;
      const row = this.get(Number(res.lastInsertRowid))!;
      this.#event(row, 'opened', c.openedAt);
      return row;
    })();
  }

  get(id: number): CaseRow | undefined {
    const r = this.db.prepare('SELECT * FROM followup_cases WHERE id = ?').get(id) as Raw | undefined;
    return r ? toRow(r) : undefined;
  }

  list(commune: string, opts: { assignee?: string } = {}): CaseRow[] {
    const rows = opts.assignee
      ? (this.db
          .prepare('SELECT * FROM followup_cases WHERE commune = ? AND assignee = ? ORDER BY id DESC')
          .all(commune, opts.assignee) as Raw[])
      : (this.db.prepare('SELECT * FROM followup_cases WHERE commune = ? ORDER BY id DESC').all(commune) as Raw[]);
    return rows.map(toRow);
  }

  /** an open alert case of this counter (one at a time) */
  openAlertFor(counter: string): CaseRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM followup_cases WHERE kind = 'alert' AND counter = ? AND closed_at IS NULL")
      .get(counter) as Raw | undefined;
    return r ? toRow(r) : undefined;
  }

  addStep(id: number, step: CaseStep, patch: { assignee?: string; closedAt?: number; closing?: string } = {}): CaseRow {
    return this.db.transaction(() => {
      const row = this.get(id)!;
      const steps = [...row.steps, step];
      this.db
        .prepare(
          'UPDATE followup_cases SET steps = ?, assignee = coalesce(?, assignee), closed_at = coalesce(?, closed_at), closing = coalesce(?, closing) WHERE id = ?',
        )
        .run(JSON.stringify(steps), patch.assignee ?? null, patch.closedAt ?? null, patch.closing ?? null, id);
      const next = this.get(id)!;
      this.#event(next, step.kind === 'assign' ? 'assigned' : step.kind === 'close' ? 'closed' : 'updated', step.at);
      return next;
    })();
  }

  #event(row: CaseRow, kind: FeedKind, at: number): void {
    this.db
      .prepare('INSERT INTO followup_events (case_id, commune, kind, at, body) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.commune, kind, at, JSON.stringify(row));
  }

  events(
    communes: readonly string[],
    after: number,
    limit = 100,
  ): { seq: number; caseId: number; commune: string; kind: FeedKind; at: number; case: CaseRow }[] {
    if (communes.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM followup_events WHERE seq > ? AND commune IN (${communes.map(() => '?').join(',')}) ORDER BY seq LIMIT ?`,
      )
      .all(after, ...communes, limit) as {
      seq: number;
      case_id: number;
      commune: string;
      kind: FeedKind;
      at: number;
      body: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      caseId: r.case_id,
      commune: r.commune,
      kind: r.kind,
      at: r.at,
      case: JSON.parse(r.body) as CaseRow,
    }));
  }

  lastEvent(communes: readonly string[]): number {
    if (communes.length === 0) return 0;
    const r = this.db
      .prepare(`SELECT max(seq) AS seq FROM followup_events WHERE commune IN (${communes.map(() => '?').join(',')})`)
      .get(...communes) as { seq: number | null };
    return r.seq ?? 0;
  }

  getState(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM followup_state WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  }

  setState(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO followup_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  setEmail(username: string, email: string): void {
    this.db
      .prepare(
        'INSERT INTO user_emails (username, email) VALUES (?, ?) ON CONFLICT (username) DO UPDATE SET email = excluded.email',
      )
      .run(username, email);
  }

  email(username: string): string | undefined {
    return (
      this.db.prepare('SELECT email FROM user_emails WHERE username = ?').get(username) as { email: string } | undefined
    )?.email;
  }
}
