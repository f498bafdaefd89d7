import type { Db } from '../store/db.ts';
import type { ImportedDossier } from './import.ts';

/**
 * Dossiers imported from the one-stop software (for the Decision 766 figure) and the officers of each
 * commune (badge code → name, for the leader's per-officer view). Own tables, created if absent, so the
 * console's numbered migrations stay untouched.
 */
export function ensureDossierSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS dossiers (
      commune TEXT NOT NULL,
      number TEXT NOT NULL,
      procedure TEXT,
      received_at INTEGER NOT NULL,
      due_at INTEGER,
      returned_at INTEGER,
      complaint INTEGER NOT NULL,
      import_id INTEGER NOT NULL,
      PRIMARY KEY (commune, number)
    );
    CREATE INDEX IF NOT EXISTS dossiers_received ON dossiers(commune, received_at);
    CREATE TABLE IF NOT EXISTS dossier_imports (
      id INTEGER PRIMARY KEY,
      commune TEXT NOT NULL,
      filename TEXT NOT NULL,
      rows INTEGER NOT NULL,
      username TEXT NOT NULL,
      at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS officers (
      commune TEXT NOT NULL,
      code TEXT NOT NULL,
      name TEXT NOT NULL,
      PRIMARY KEY (commune, code)
    );
  `);
}

export class DossierStore {
  constructor(private readonly db: Db) {
    ensureDossierSchema(db);
  }

  /** all rows or none: one transaction; a dossier imported again is updated (a later export supersedes) */
  importRows(
    commune: string,
    rows: readonly ImportedDossier[],
    meta: { filename: string; username: string; at: string },
  ): number {
    const run = this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO dossier_imports (commune, filename, rows, username, at) VALUES (?, ?, ?, ?, ?)')
          .run(commune, meta.filename, rows.length, meta.username, meta.at).lastInsertRowid,
      );
      const upsert =
        this.db.prepare(`INSERT INTO dossiers (commune, number, procedure, received_at, due_at, returned_at, complaint, import_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (commune, number) DO UPDATE SET procedure = excluded.procedure, received_at = excluded.received_at, due_at = excluded.due_at,
          returned_at = excluded.returned_at, complaint = excluded.complaint, import_id = excluded.import_id`);
      for (const r of rows)
        upsert.run(commune, r.number, r.procedure, r.receivedAt, r.dueAt, r.returnedAt, r.complaint ? 1 : 0, id);
      return id;
    });
    return run();
  }

  received(commune: string, from: number, to: number): ImportedDossier[] {
    const rows = this.db
      .prepare(
        'SELECT number, procedure, received_at, due_at, returned_at, complaint FROM dossiers WHERE commune = ? AND received_at >= ? AND received_at < ? ORDER BY received_at',
      )
      .all(commune, from, to) as {
      number: string;
      procedure: string | null;
      received_at: number;
      due_at: number | null;
      returned_at: number | null;
      complaint: number;
    }[];
    return rows.map((r) => ({
      number: r.number,
      procedure: r.procedure,
      receivedAt: r.received_at,
      dueAt: r.due_at,
      returnedAt: r.returned_at,
      complaint: r.complaint === 1,
    }));
  }

  count(commune: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dossiers WHERE commune = ?').get(commune) as { n: number }).n;
  }

  setOfficer(commune: string, code: string, name: string): void {
    this.db
      .prepare(
        'INSERT INTO officers (commune, code, name) VALUES (?, ?, ?) ON CONFLICT (commune, code) DO UPDATE SET name = excluded.name',
      )
      .run(commune, code, name);
  }

  officers(commune: string): Map<string, string> {
    const rows = this.db.prepare('SELECT code, name FROM officers WHERE commune = ?').all(commune) as {
      code: string;
      name: string;
    }[];
    return new Map(rows.map((r) => [r.code, r.name]));
  }
}
