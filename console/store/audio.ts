import type { AudioMeta } from '../model.ts';
import type { Db } from './db.ts';

/** Metadata of the content-addressed audio files (the bytes live in <dataDir>/audio/<sha256>). */
export class AudioIndex {
  constructor(private readonly db: Db) {}

  get(sha256: string): AudioMeta | undefined {
    const r = this.db.prepare('SELECT sha256, mime, bytes, duration_s FROM audio WHERE sha256 = ?').get(sha256) as
      | { sha256: string; mime: AudioMeta['mime']; bytes: number; duration_s: number }
      | undefined;
    return r ? { sha256: r.sha256, mime: r.mime, bytes: r.bytes, durationS: r.duration_s } : undefined;
  }

  add(meta: AudioMeta, source: string, at: string): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO audio (sha256, mime, bytes, duration_s, source, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(meta.sha256, meta.mime, meta.bytes, meta.durationS, source, at);
  }

  addOwner(sha256: string, commune: string): void {
    this.db.prepare('INSERT OR IGNORE INTO audio_owners (sha256, commune) VALUES (?, ?)').run(sha256, commune);
  }

  ownedBy(sha256: string, commune: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM audio_owners WHERE sha256 = ? AND commune = ?').get(sha256, commune);
  }
}
