import type { StreamReport } from '../../devices/contract/stream.ts';
import { verifyStation } from '../../devices/station-signature.ts';
import type { KeyInput } from '../../devices/schedule-signature.ts';
import type { Occurrence } from './occurrence.ts';
import { isQuiet } from './periods.ts';
import type { QuietHours } from '../../devices/broadcast-plan.ts';
import { join } from 'node:path';
import type { Clock } from '../../infra/clock.ts';
import type { SpeakerConfig } from './config.ts';
import { FfmpegStreamPlayer, aplaySink, pcmFileSink, type StreamPlayback, type StreamPlayer } from './player-stream.ts';

export type StreamStart =
  /** the stream runs to the end of its window; the runner cuts it where the quiet hours in force begin */
  { ok: true; kind: StreamReport['kind']; playback: StreamPlayback } | { ok: false; reason: string };

/**
 * The stream part of a relay or live occurrence. A relay plays only a station whose document the province
 * signed (checked here against the keys in the speaker's config, on every occurrence); live plays only the
 * mount named in the commune-signed schedule. Both stop by themselves at the end of their window.
 */
export class StreamItems {
  constructor(private readonly deps: { player: StreamPlayer; stationKeys: readonly KeyInput[]; now(): number }) {}

  /** the file audio is skipped for live (no jingle between the leader and the hamlet) */
  static skipsFile(occ: Occurrence): boolean {
    return occ.item.source?.kind === 'live';
  }

  static hasStream(occ: Occurrence): boolean {
    const kind = occ.item.source?.kind;
    return kind === 'relay' || kind === 'live';
  }

  /** `quietHours`: the signed policy in force; a non-emergency stream does not start inside them */
  start(occ: Occurrence, volume: number, quietHours?: QuietHours): StreamStart {
    const src = occ.item.source;
    if (!src || src.kind === 'file') return { ok: false, reason: 'not-a-stream' };
    const windowEnd = occ.start + src.durationS * 1000;
    const now = this.deps.now();
    if (now >= windowEnd) return { ok: false, reason: 'window-over' };
    if (quietHours && isQuiet(quietHours, occ.item.priority, now)) return { ok: false, reason: 'quiet-hours' };
    const until = windowEnd;
    if (src.kind === 'relay') {
      const verdict = verifyStation(src.station, this.deps.stationKeys);
      if (!verdict.ok) return { ok: false, reason: `station-untrusted: ${verdict.detail}` };
      return {
        ok: true,
        kind: 'relay',
        playback: this.deps.player.play({
          url: verdict.station.url,
          format: verdict.station.format,
          until,
          volume,
          live: false,
        }),
      };
    }
    return {
      ok: true,
      kind: 'live',
      playback: this.deps.player.play({ url: src.url, format: src.format, until, volume, live: true }),
    };
  }
}

export function streamReport(kind: StreamReport['kind'], playback: StreamPlayback): StreamReport {
  const { playedS, gaps, gapS } = playback.stats();
  return { kind, playedS, gaps, gapS };
}

/** The unit's stream player from its config: to the sound card with ALSA, to PCM files in the data dir with the fake player. */
export function streamPlayerFor(
  config: Pick<SpeakerConfig, 'player' | 'stream'>,
  clock: Clock,
  dataDir: string,
  onGap: (info: { url: string; at: number; reason: string }) => void,
): StreamPlayer {
  const { ffmpeg, rate, stallMs, retryMs } = config.stream;
  const sink =
    config.player.kind === 'alsa'
      ? aplaySink(config.player.aplay, config.player.device, rate)
      : pcmFileSink(join(dataDir, 'stream-out'), clock);
  return new FfmpegStreamPlayer({ ffmpeg, clock, rate, stallMs, retryMs, sink, onGap });
}
