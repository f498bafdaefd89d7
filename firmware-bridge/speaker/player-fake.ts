import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import type { Clock } from '../../infra/clock.ts';
import { PlayerError, type AudioPlayer, type Playback, type PlayRequest } from './player.ts';

export type FakePlay = PlayRequest & { startedAt: number; endedAt: number | null; stopped: boolean };

/** A player that "plays" for a set time on the injected clock and remembers what it played. */
export class FakePlayer implements AudioPlayer {
  readonly plays: FakePlay[] = [];
  /** set to make the next plays fail like a broken sound card */
  failWith: string | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly durationMs: (req: PlayRequest) => number = () => 1_000,
    /** one JSON line per play start and end, for a test that runs the bridge as a separate process */
    private readonly recordFile?: string,
  ) {}

  get playing(): FakePlay | undefined {
    return this.plays.find((p) => p.endedAt === null);
  }

  play(req: PlayRequest): Playback {
    if (this.failWith) return { done: Promise.reject(new PlayerError('player-error', this.failWith)), stop() {} };
    const rec: FakePlay = { ...req, startedAt: this.clock.now(), endedAt: null, stopped: false };
    this.plays.push(rec);
    this.record('play', rec);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const end = (stopped: boolean) => {
      if (rec.endedAt !== null) return;
      rec.endedAt = this.clock.now();
      rec.stopped = stopped;
      this.record('end', rec);
      finish();
    };
    const timer = this.clock.setTimeout(() => end(false), this.durationMs(req));
    return {
      done,
      stop: () => {
        timer.cancel();
        end(true);
      },
    };
  }

  private record(event: 'play' | 'end', rec: FakePlay): void {
    if (this.recordFile) appendFileSync(this.recordFile, `${JSON.stringify({ event, ...rec })}\n`);
  }
}

/** The length of a PCM WAV file from its header (fmt byte rate, data size); 1 s for anything else. */
export function wavDurationMs(req: PlayRequest): number {
  if (req.mime !== 'audio/wav') return 1_000;
  const buf = readFileSync(req.file);
  let byteRate = 0;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= buf.length) byteRate = buf.readUInt32LE(at + 16);
    // espeak-ng streams its WAV and leaves 0xFFFFFFFF in the size of data: the rest of the file is the data
    if (id === 'data' && byteRate > 0) return Math.round((Math.min(size, buf.length - at - 8) / byteRate) * 1000);
    at += 8 + size + (size % 2);
  }
  return 1_000;
}

/**
 * The length of any audio the console sends: the WAV header, or ffprobe for MP3 (the console normalizes every
 * upload to MP3, so a test that plays "as long as the audio" needs the MP3's real length); 1 s when unknown.
 */
export function audioDurationMs(req: PlayRequest): number {
  if (req.mime === 'audio/wav') return wavDurationMs(req);
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', req.file], {
    encoding: 'utf8',
  });
  const seconds = Number.parseFloat(r.stdout ?? '');
  return r.status === 0 && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 1_000;
}
