import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../../infra/clock.ts';
import type { StreamReport } from '../../devices/contract/stream.ts';
import { PlayerError, type Playback } from './player.ts';

/**
 * Relays and live broadcasts: a real decoder (ffmpeg) reads the http(s) stream and writes raw PCM, which goes
 * to a sink (aplay on a Pi, a file in tests). A dropped or stalled stream is reconnected until the window
 * ends; every drop after the first audio is one gap. `stop` (preempt, unit stop) cuts it like a file.
 */
export type StreamRequest = {
  url: string;
  /** wall-clock ms at which the stream stops by itself (end of the window / session) */
  until: number;
  /** 0–100, caps applied */
  volume: number;
  /** live: minimal buffering (latency over robustness); relay: default buffering */
  live: boolean;
  /** the container, when known (no probing: a faster start) */
  format?: string;
};

export type StreamStats = Omit<StreamReport, 'kind'> & { firstAudioAt: number | null };

export interface StreamPlayback extends Playback {
  stats(): StreamStats;
}

export interface StreamPlayer {
  play(req: StreamRequest): StreamPlayback;
}

/** Where decoded PCM (s16le mono) goes. */
export interface PcmSink {
  write(chunk: Buffer): void;
  close(): Promise<void>;
}

export type StreamPlayerOptions = {
  ffmpeg: string;
  clock: Clock;
  /** PCM sample rate (mono s16le) */
  rate: number;
  /** no bytes for this long: the connection is treated as dropped and reopened */
  stallMs: number;
  /** wait before a reconnect; doubles while reconnects fail (a mount that is gone), up to maxRetryMs */
  retryMs: number;
  /** default: 8 × retryMs, at most 3 s (a speaker is back within ~3 s of its mount) */
  maxRetryMs?: number;
  sink(): PcmSink;
  onGap?(info: { url: string; at: number; reason: string }): void;
};

/** how many stall periods a fresh decoder may take to give its first audio */
const START_ALLOWANCE = 3;

export class FfmpegStreamPlayer implements StreamPlayer {
  constructor(private readonly opts: StreamPlayerOptions) {}

  play(req: StreamRequest): StreamPlayback {
    const { clock } = this.opts;
    const sink = this.opts.sink();
    const bytesPerMs = (this.opts.rate * 2) / 1000;
    let bytes = 0;
    let gaps = 0;
    let gapMs = 0;
    let firstAudioAt: number | null = null;
    let lastDataAt: number | null = null;
    /** a gap is open between a drop (after some audio) and the next audio */
    let gapOpenSince: number | null = null;
    let child: ChildProcess | null = null;
    /** decoders in a row that ended without giving audio: the reconnects back off */
    let fruitless = 0;
    const maxRetryMs = this.opts.maxRetryMs ?? Math.min(3_000, this.opts.retryMs * 8);
    let stopped = false;
    let finish!: () => void;
    let failWith: ((e: Error) => void) | null = null;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      failWith = reject;
    });
    const timers = new Set<{ cancel(): void }>();
    const later = (ms: number, fn: () => void) => {
      const t = clock.setTimeout(
        () => {
          timers.delete(t);
          fn();
        },
        Math.max(0, ms),
      );
      timers.add(t);
      return t;
    };

    const end = () => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) t.cancel();
      timers.clear();
      child?.kill('SIGKILL');
      if (gapOpenSince !== null) gapMs += Math.max(0, Math.min(clock.now(), req.until) - gapOpenSince);
      void sink.close().finally(() => finish());
    };

    const connect = () => {
      if (stopped) return;
      if (clock.now() >= req.until) return end();
      const args = [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        ...(req.live ? ['-fflags', 'nobuffer', '-flags', 'low_delay'] : []),
        ...(req.format && req.format !== 'hls' ? ['-f', req.format, '-probesize', '32', '-analyzeduration', '0'] : []),
        // no Icecast metadata blocks interleaved in the audio (an http option: not for HLS playlists)
        ...(req.format === 'hls' ? [] : ['-icy', '0']),
        '-rw_timeout',
        String(this.opts.stallMs * 1000),
        '-i',
        req.url,
        '-vn',
        '-af',
        `volume=${(Math.max(0, Math.min(100, req.volume)) / 100).toFixed(2)}`,
        '-ac',
        '1',
        '-ar',
        String(this.opts.rate),
        '-f',
        's16le',
        '-flush_packets',
        '1',
        'pipe:1',
      ];
      const c = spawn(this.opts.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let stderr = '';
      let stall: { cancel(): void } | null = null;
      let heard = false;
      let lastChunkAt = clock.now();
      // A stall is a decoder that stopped giving sound, not a busy machine: the first audio gets a longer allowance
      // (a decoder starting on loaded cores takes seconds), and a timer that fires checks again after the pending I/O
      // (after a blocked event loop, timers run before the data that arrived meanwhile is read). A stalled network
      // read is caught by ffmpeg's own -rw_timeout.
      const armStall = (ms = heard ? this.opts.stallMs : this.opts.stallMs * START_ALLOWANCE) => {
        stall?.cancel();
        if (stall) timers.delete(stall);
        stall = later(ms, () =>
          setImmediate(() => {
            if (stopped || child !== c) return;
            const quietMs = clock.now() - lastChunkAt;
            if (heard && quietMs < this.opts.stallMs) return armStall(this.opts.stallMs - quietMs);
            c.kill('SIGKILL');
          }),
        );
      };
      armStall();
      c.stdout!.on('data', (chunk: Buffer) => {
        if (stopped) return;
        const now = clock.now();
        if (firstAudioAt === null) firstAudioAt = now;
        if (gapOpenSince !== null) {
          gapMs += now - gapOpenSince;
          gapOpenSince = null;
        }
        lastDataAt = now;
        lastChunkAt = now;
        bytes += chunk.length;
        sink.write(chunk);
        if (!heard) {
          heard = true;
          fruitless = 0;
          armStall();
        }
      });
      c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-300)));
      c.on('error', (err) => {
        stopped = true;
        for (const t of timers) t.cancel();
        void sink
          .close()
          .finally(() => failWith?.(new PlayerError('player-missing', `${this.opts.ffmpeg}: ${err.message}`)));
      });
      c.on('close', () => {
        stall?.cancel();
        if (child === c) child = null;
        if (stopped) return;
        const now = clock.now();
        if (firstAudioAt !== null && gapOpenSince === null) {
          gaps++;
          gapOpenSince = lastDataAt ?? now;
          this.opts.onGap?.({ url: req.url, at: now, reason: stderr.trim().slice(0, 200) || 'stream ended' });
        }
        if (!heard) fruitless++;
        // a little jitter: the speakers of a commune do not all knock on a restored mount at the same instant
        const backoff = Math.min(maxRetryMs, this.opts.retryMs * 2 ** Math.max(0, fruitless - 1));
        later(backoff * (0.8 + 0.4 * Math.random()), connect);
      });
    };

    later(req.until - clock.now(), end);
    connect();
    return {
      done,
      stop: end,
      stats: () => ({
        playedS: Math.round(bytes / bytesPerMs) / 1000,
        gaps,
        gapS: Math.round(gapMs) / 1000,
        firstAudioAt,
      }),
    };
  }
}

/** A Pi's sound card: one aplay for the whole stream (raw s16le mono). */
export function aplaySink(aplay: string, device: string, rate: number): () => PcmSink {
  return () => {
    const child = spawn(aplay, ['-q', '-t', 'raw', '-f', 'S16_LE', '-c', '1', '-r', String(rate), '-D', device], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    return {
      write: (chunk) => void child.stdin!.write(chunk),
      close: () =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.stdin!.end();
          setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
        }),
    };
  };
}

/**
 * Tests and benchmarks: the decoded PCM is appended to <prefix>-<n>.pcm, with a side file of
 * "<wall ms> <byte offset>" lines, so a test can find the tone and a benchmark the instant a click came out.
 */
export function pcmFileSink(prefix: string, clock: Clock): () => PcmSink {
  let n = 0;
  return () => {
    n++;
    const pcm: WriteStream = createWriteStream(`${prefix}-${n}.pcm`);
    const times: WriteStream = createWriteStream(`${prefix}-${n}.times`);
    let offset = 0;
    return {
      write(chunk) {
        times.write(`${clock.now()} ${offset}\n`);
        offset += chunk.length;
        pcm.write(chunk);
      },
      close: () =>
        Promise.all([
          new Promise<void>((r) => pcm.end(() => r())),
          new Promise<void>((r) => times.end(() => r())),
        ]).then(() => undefined),
    };
  };
}
