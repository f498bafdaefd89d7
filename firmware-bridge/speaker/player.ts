/**
 * How the unit plays audio: ALSA aplay/mpg123 on a Pi (player-alsa.ts), a fake in tests and benchmarks
 * (player-fake.ts). One playback at a time; `stop` is how a higher priority preempts.
 */
export type PlayRequest = { file: string; mime: 'audio/mpeg' | 'audio/wav' /** 0–100, caps applied */; volume: number };

export interface Playback {
  /** resolves when the audio ended or was stopped; rejects with a coded error when the player failed */
  done: Promise<void>;
  stop(): void;
}

export interface AudioPlayer {
  play(req: PlayRequest): Playback;
}

export class PlayerError extends Error {
  constructor(
    readonly code: 'player-error' | 'player-missing',
    detail: string,
  ) {
    super(detail);
  }
}
