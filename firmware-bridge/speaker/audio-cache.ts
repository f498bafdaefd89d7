import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AudioRef } from '../../devices/contract/broadcast.ts';
import { writeFileAtomic } from './atomic-file.ts';

export type AudioError = 'audio-fetch-failed' | 'audio-too-large' | 'audio-hash-mismatch' | 'audio-missing';
export type AudioResult = { ok: true; file: string } | { ok: false; error: AudioError; detail: string };

export type AudioCacheOptions = { dir: string; consoleUrl: string; maxBytes: number; timeoutMs: number };

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Audio by content hash: the file name is its sha256, checked after download and again before every
 * play, so neither the network nor a corrupt SD card can make the speaker play other bytes.
 */
export class AudioCache {
  private readonly inflight = new Map<string, Promise<AudioResult>>();

  constructor(private readonly opts: AudioCacheOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  fileOf(ref: AudioRef): string {
    return join(this.opts.dir, ref.sha256);
  }

  /** The cached file if present and intact; a corrupt file is removed. */
  verified(ref: AudioRef): AudioResult {
    const file = this.fileOf(ref);
    if (!existsSync(file)) return { ok: false, error: 'audio-missing', detail: ref.sha256 };
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      return { ok: false, error: 'audio-missing', detail: (err as Error).message.slice(0, 150) };
    }
    if (sha256(bytes) === ref.sha256) return { ok: true, file };
    rmSync(file, { force: true });
    return { ok: false, error: 'audio-hash-mismatch', detail: `cached ${ref.sha256} corrupt, removed` };
  }

  /** Cached, or fetched now (one download per hash at a time). Never throws. */
  ensure(ref: AudioRef): Promise<AudioResult> {
    const cached = this.verified(ref);
    if (cached.ok) return Promise.resolve(cached);
    const running = this.inflight.get(ref.sha256);
    if (running) return running;
    const p = this.fetchInto(ref).finally(() => this.inflight.delete(ref.sha256));
    this.inflight.set(ref.sha256, p);
    return p;
  }

  /** Remove files no schedule item refers to (the SD card is small). */
  prune(keep: Set<string>): void {
    for (const name of readdirSync(this.opts.dir)) {
      if (!keep.has(name)) rmSync(join(this.opts.dir, name), { force: true });
    }
  }

  private async fetchInto(ref: AudioRef): Promise<AudioResult> {
    const limit = Math.min(ref.bytes, this.opts.maxBytes);
    if (ref.bytes > this.opts.maxBytes)
      return { ok: false, error: 'audio-too-large', detail: `${ref.bytes} > ${this.opts.maxBytes}` };
    let body: Buffer;
    try {
      body = await this.download(new URL(ref.path, this.opts.consoleUrl), limit);
    } catch (err) {
      const tooLarge = (err as Error).message === 'too-large';
      return {
        ok: false,
        error: tooLarge ? 'audio-too-large' : 'audio-fetch-failed',
        detail: (err as Error).message.slice(0, 150),
      };
    }
    const got = sha256(body);
    if (got !== ref.sha256) return { ok: false, error: 'audio-hash-mismatch', detail: `got ${got}` };
    try {
      writeFileAtomic(this.fileOf(ref), body);
    } catch (err) {
      return {
        ok: false,
        error: 'audio-fetch-failed',
        detail: `cannot store: ${(err as Error).message.slice(0, 150)}`,
      };
    }
    return { ok: true, file: this.fileOf(ref) };
  }

  private async download(url: URL, limit: number): Promise<Buffer> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) throw new Error('too-large');
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
}
