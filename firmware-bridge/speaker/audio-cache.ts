import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { AudioRef } from '../../devices/contract/broadcast.ts';
import { writeFileAtomic } from './atomic-file.ts';

export type AudioError = 'audio-fetch-failed' | 'audio-too-large' | 'audio-hash-mismatch' | 'audio-missing';
export type AudioResult = { ok: true; file: string } | { ok: false; error: AudioError; detail: string };

/**
 * How a failed download is tried again. An emergency (`urgent`) retries at once and often, each wait a random
 * share of a small, slowly growing bound (full jitter), so thousands of speakers that lost the same race do not
 * come back in step, and none waits out a long backoff while the warning should be playing. Other audio is
 * fetched long before it plays (when its document arrives, and again when it is due), so it backs off longer.
 */
export type RetryPolicy = { attempts: number; baseMs: number; capMs: number; stallMs: number };
export const URGENT_RETRY: RetryPolicy = { attempts: 10, baseMs: 100, capMs: 1_000, stallMs: 3_000 };
export const NORMAL_RETRY: RetryPolicy = { attempts: 3, baseMs: 1_000, capMs: 10_000, stallMs: 15_000 };

export type AudioCacheOptions = {
  dir: string;
  consoleUrl: string;
  maxBytes: number;
  /** one attempt's limit, connection to last byte */
  timeoutMs: number;
  retry?: { urgent?: RetryPolicy; normal?: RetryPolicy };
  /** waits between attempts (tests pass a faster or recorded one) */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

class DownloadError extends Error {
  constructor(
    readonly kind: 'too-large' | 'refused' | 'transient',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Audio by content hash: the file name is its sha256, checked after download and again before every
 * play, so neither the network nor a corrupt SD card can make the speaker play other bytes.
 */
export class AudioCache {
  private readonly inflight = new Map<string, { urgent: boolean; done: Promise<AudioResult> }>();
  /** bytes of a download that broke off, resumed by the next attempt with a Range (If-Range: the hash) */
  private readonly partial = new Map<string, Buffer>();
  /** attempts that failed and were tried again (a dashboard sees a flaky link) */
  retries = 0;

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

  /**
   * Cached, or fetched now (one download per hash at a time; an urgent caller joining a normal download
   * that is waiting out its backoff starts its own quick one). Never throws.
   */
  ensure(ref: AudioRef, opts: { urgent?: boolean } = {}): Promise<AudioResult> {
    const urgent = opts.urgent ?? false;
    const cached = this.verified(ref);
    if (cached.ok) return Promise.resolve(cached);
    const running = this.inflight.get(ref.sha256);
    if (running && (running.urgent || !urgent)) return running.done;
    const done = this.fetchWithRetries(ref, urgent).finally(() => {
      if (this.inflight.get(ref.sha256)?.done === done) this.inflight.delete(ref.sha256);
    });
    this.inflight.set(ref.sha256, { urgent, done });
    return done;
  }

  /** Remove files no schedule item refers to (the SD card is small). */
  prune(keep: Set<string>): void {
    for (const name of readdirSync(this.opts.dir)) {
      if (!keep.has(name)) rmSync(join(this.opts.dir, name), { force: true });
    }
  }

  private async fetchWithRetries(ref: AudioRef, urgent: boolean): Promise<AudioResult> {
    const policy = urgent ? (this.opts.retry?.urgent ?? URGENT_RETRY) : (this.opts.retry?.normal ?? NORMAL_RETRY);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const random = this.opts.random ?? Math.random;
    let last: AudioResult = { ok: false, error: 'audio-fetch-failed', detail: 'not tried' };
    for (let attempt = 0; attempt < policy.attempts; attempt++) {
      if (attempt > 0) {
        this.retries++;
        await sleep(Math.round(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1))));
        const cached = this.verified(ref);
        if (cached.ok) return cached;
      }
      const r = await this.fetchOnce(ref, policy.stallMs);
      if (r.ok) return r;
      last = r.result;
      if (!r.retry) return last;
    }
    return last;
  }

  private async fetchOnce(
    ref: AudioRef,
    stallMs: number,
  ): Promise<{ ok: true; file: string } | { ok: false; result: AudioResult; retry: boolean }> {
    if (ref.bytes > this.opts.maxBytes)
      return {
        ok: false,
        retry: false,
        result: { ok: false, error: 'audio-too-large', detail: `${ref.bytes} > ${this.opts.maxBytes}` },
      };
    const resumed = this.partial.has(ref.sha256);
    let body: Buffer;
    try {
      body = await this.download(ref, Math.min(ref.bytes, this.opts.maxBytes), stallMs);
    } catch (err) {
      const e = err instanceof DownloadError ? err : new DownloadError('transient', String(err));
      return {
        ok: false,
        retry: e.kind === 'transient',
        result: {
          ok: false,
          error: e.kind === 'too-large' ? 'audio-too-large' : 'audio-fetch-failed',
          detail: e.message.slice(0, 150),
        },
      };
    }
    this.partial.delete(ref.sha256);
    const got = sha256(body);
    // a resumed download that does not add up is fetched whole once more; whole bytes that differ are refused
    if (got !== ref.sha256)
      return { ok: false, retry: resumed, result: { ok: false, error: 'audio-hash-mismatch', detail: `got ${got}` } };
    try {
      writeFileAtomic(this.fileOf(ref), body, { sync: false }); // verified by its hash before every play
    } catch (err) {
      return {
        ok: false,
        retry: false,
        result: {
          ok: false,
          error: 'audio-fetch-failed',
          detail: `cannot store: ${(err as Error).message.slice(0, 150)}`,
        },
      };
    }
    return { ok: true, file: this.fileOf(ref) };
  }

  /** GET with a stall limit (no byte for `stallMs`) and a whole-attempt limit; resumes what an earlier attempt got */
  private download(ref: AudioRef, limit: number, stallMs: number): Promise<Buffer> {
    const url = new URL(ref.path, this.opts.consoleUrl);
    const have = this.partial.get(ref.sha256);
    const headers: Record<string, string> = have?.length
      ? { range: `bytes=${have.length}-`, 'if-range': `"${ref.sha256}"` }
      : {};
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (err: DownloadError | null, body?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(whole);
        if (err) {
          req.destroy();
          // keep what arrived for the next attempt to resume from
          if (err.kind === 'transient' && size > 0) this.partial.set(ref.sha256, Buffer.concat([...offset, ...chunks]));
          reject(err);
        } else resolve(body!);
      };
      let offset: Buffer[] = [];
      const whole = setTimeout(
        () => finish(new DownloadError('transient', `timeout after ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
      const req = request(url, { headers, timeout: stallMs }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status === 206 && have && res.headers['content-range']?.startsWith(`bytes ${have.length}-`)) {
          offset = [have];
          size = have.length;
        } else if (status !== 200) {
          res.resume();
          this.partial.delete(ref.sha256);
          // the console refusing (404: it has no such audio) is final; an overloaded or failing one is not
          const transient = status === 206 || status === 408 || status === 429 || status >= 500;
          return finish(new DownloadError(transient ? 'transient' : 'refused', `HTTP ${status}`));
        } else this.partial.delete(ref.sha256);
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) return finish(new DownloadError('too-large', 'too-large'));
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, Buffer.concat([...offset, ...chunks])));
        res.on('error', (err) => finish(new DownloadError('transient', err.message)));
        res.on('aborted', () => finish(new DownloadError('transient', 'aborted')));
      });
      req.on('timeout', () => finish(new DownloadError('transient', `stalled ${stallMs} ms`)));
      req.on('error', (err) => finish(new DownloadError('transient', err.message)));
      req.end();
    });
  }
}
