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
  ) {}

  get playing(): FakePlay | undefined {
    return this.plays.find((p) => p.endedAt === null);
  }

  play(req: PlayRequest): Playback {
    if (this.failWith) return { done: Promise.reject(new PlayerError('player-error', this.failWith)), stop() {} };
    const rec: FakePlay = { ...req, startedAt: this.clock.now(), endedAt: null, stopped: false };
    this.plays.push(rec);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const end = (stopped: boolean) => {
      if (rec.endedAt !== null) return;
      rec.endedAt = this.clock.now();
      rec.stopped = stopped;
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
}
