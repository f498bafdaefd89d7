import { DEPLOYMENT_ITEM_KEYS, type DeploymentItem } from '../report/declared.ts';
import type { Db } from './db.ts';

export { DEPLOYMENT_ITEM_KEYS, type DeploymentItem };

/**
 * The deployment items commune staff record (console/report/declared.ts), one row per commune and item.
 * Its own table, created if missing (not a numbered migration: it is independent of every other table).
 */
export type DeclaredItem = { present: boolean; note: string; updatedBy: string; updatedAt: string };
export type Declared = Partial<Record<DeploymentItem, DeclaredItem>>;

type Row = {
  commune: string;
  item: DeploymentItem;
  present: number;
  note: string;
  updated_by: string;
  updated_at: string;
};

export class DeploymentStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS deployment_items (
      commune TEXT NOT NULL,
      item TEXT NOT NULL,
      present INTEGER NOT NULL CHECK (present IN (0, 1)),
      note TEXT NOT NULL DEFAULT '',
      updated_by TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (commune, item)
    )`);
  }

  /** commune code → its declared items */
  list(communes: readonly string[]): Map<string, Declared> {
    const out = new Map<string, Declared>(communes.map((c) => [c, {}]));
    if (!communes.length) return out;
    const rows = this.db
      .prepare(`SELECT * FROM deployment_items WHERE commune IN (${communes.map(() => '?').join(',')})`)
      .all(...communes) as Row[];
    for (const r of rows)
      out.get(r.commune)![r.item] = {
        present: r.present === 1,
        note: r.note,
        updatedBy: r.updated_by,
        updatedAt: r.updated_at,
      };
    return out;
  }

  set(commune: string, item: DeploymentItem, value: { present: boolean; note: string }, by: string, at: string): void {
    this.db
      .prepare(`INSERT INTO deployment_items (commune, item, present, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (commune, item) DO UPDATE SET present = excluded.present, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`)
      .run(commune, item, value.present ? 1 : 0, value.note, by, at);
  }
}
