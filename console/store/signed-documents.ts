import type { Db } from './db.ts';

export type SignedDocument = { topic: string; payload: Buffer; commune: string; version: number; updatedAt: string };

type Row = { topic: string; payload: Buffer; commune: string; version: number; updated_at: string };
const toDoc = (r: Row): SignedDocument => ({
  topic: r.topic,
  payload: r.payload,
  commune: r.commune,
  version: r.version,
  updatedAt: r.updated_at,
});

/**
 * The latest signed payload the console issued for each retained topic it owns, byte for byte. The broker's
 * retained slot is only a copy: the console re-asserts these after a broker restart or a forged publish.
 */
export class SignedDocumentStore {
  constructor(private readonly db: Db) {}

  put(d: Omit<SignedDocument, 'updatedAt'>, at: string): void {
    this.db
      .prepare(
        `INSERT INTO signed_documents (topic, payload, commune, version, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(topic) DO UPDATE SET payload = excluded.payload, commune = excluded.commune, version = excluded.version, updated_at = excluded.updated_at`,
      )
      .run(d.topic, d.payload, d.commune, d.version, at);
  }

  get(topic: string): SignedDocument | undefined {
    const r = this.db.prepare('SELECT * FROM signed_documents WHERE topic = ?').get(topic) as Row | undefined;
    return r ? toDoc(r) : undefined;
  }

  forCommune(commune: string): SignedDocument[] {
    return (
      this.db.prepare('SELECT * FROM signed_documents WHERE commune = ? ORDER BY topic').all(commune) as Row[]
    ).map(toDoc);
  }

  communes(): string[] {
    return (
      this.db.prepare('SELECT DISTINCT commune FROM signed_documents ORDER BY commune').all() as Array<{
        commune: string;
      }>
    ).map((r) => r.commune);
  }
}
