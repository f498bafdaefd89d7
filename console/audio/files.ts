import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** the audio kept in memory for speakers' downloads: a province's emergencies and the day's announcements fit */
export const AUDIO_MEMORY_BYTES = 128 * 1024 * 1024;

/**
 * Content-addressed audio bytes: <dir>/<sha256>. Written to a temp name then renamed, so a crash leaves no half
 * file. What speakers download is served from memory (`bytes`): a province emergency is thousands of GETs of
 * the same file within seconds, and a file never changes under its name, so one read serves them all.
 */
export class AudioFiles {
  /** least recently used first (a Map keeps insertion order; a hit moves its entry to the end) */
  readonly #memory = new Map<string, Buffer>();
  #memoryBytes = 0;

  constructor(
    readonly dir: string,
    private readonly memoryBytes = AUDIO_MEMORY_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return join(this.dir, sha256);
  }

  /** on disk (the disk is the truth: a file removed there is no longer served, even from memory) */
  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  put(sha256: string, bytes: Buffer): void {
    const final = this.path(sha256);
    if (!existsSync(final)) {
      const tmp = `${final}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, final);
    }
    // just made (an upload, the speech a leader hears before issuing): the speakers' downloads follow
    this.#remember(sha256, bytes);
  }

  read(sha256: string): Buffer {
    return readFileSync(this.path(sha256));
  }

  /** the bytes from memory, read from disk once (undefined: no such file) */
  bytes(sha256: string): Buffer | undefined {
    if (!this.has(sha256)) {
      this.#forget(sha256);
      return undefined;
    }
    const hit = this.#memory.get(sha256);
    if (hit) {
      this.#memory.delete(sha256);
      this.#memory.set(sha256, hit);
      return hit;
    }
    let bytes: Buffer;
    try {
      bytes = this.read(sha256);
    } catch {
      return undefined;
    }
    this.#remember(sha256, bytes);
    return bytes;
  }

  #forget(sha256: string): void {
    const b = this.#memory.get(sha256);
    if (!b) return;
    this.#memory.delete(sha256);
    this.#memoryBytes -= b.length;
  }

  #remember(sha256: string, bytes: Buffer): void {
    if (bytes.length > this.memoryBytes || this.#memory.has(sha256)) return;
    this.#memory.set(sha256, bytes);
    this.#memoryBytes += bytes.length;
    for (const [k, b] of this.#memory) {
      if (this.#memoryBytes <= this.memoryBytes) break;
      this.#memory.delete(k);
      this.#memoryBytes -= b.length;
    }
  }
}
