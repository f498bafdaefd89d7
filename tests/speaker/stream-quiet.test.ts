import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScheduleItem, SoundPolicy } from '../../devices/contract/broadcast.ts';
import { signSchedule } from '../../devices/schedule-signature.ts';
import type { StreamPlayback, StreamPlayer, StreamRequest } from '../../firmware-bridge/speaker/player-stream.ts';
import type { FakeClock } from '../support/fake-clock.ts';
import { KEYS, audioBytes, item, iso, scheduleDoc, waitFor } from './helpers/fixtures.ts';
import type { SpeakerRig } from './helpers/rig.ts';
import { speakerSuite } from './helpers/suite.ts';

/**
 * Quiet hours against a relay or live stream that is playing, on the injected clock (no waiting for a real
 * minute): the stream stops where the signed policy's quiet hours begin, and a policy that changes while it
 * plays moves that cut-off (earlier, later, away, or to now).
 */
// 09:00 Vietnam time
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MIN = 60_000;

/** A stream decoder on the fake clock: it "plays" from play() to its `until` or its stop. */
class ClockStreamPlayer implements StreamPlayer {
  readonly plays: { req: StreamRequest; startedAt: number; endedAt: number | null }[] = [];
  constructor(private readonly clock: FakeClock) {}

  play(req: StreamRequest): StreamPlayback {
    const rec = { req, startedAt: this.clock.now(), endedAt: null as number | null };
    this.plays.push(rec);
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const end = () => {
      if (rec.endedAt !== null) return;
      rec.endedAt = this.clock.now();
      timer.cancel();
      finish();
    };
    const timer = this.clock.setTimeout(end, req.until - this.clock.now());
    return {
      done,
      stop: end,
      stats: () => ({
        playedS: ((rec.endedAt ?? this.clock.now()) - rec.startedAt) / 1000,
        gaps: 0,
        gapS: 0,
        firstAudioAt: rec.startedAt,
      }),
    };
  }
}

const quietFrom = (from: string, to = '05:00'): SoundPolicy => ({
  quietHours: { periods: [{ from, to }], exempt: ['emergency'] },
  volumeCaps: [],
});
const NO_QUIET: SoundPolicy = { quietHours: { periods: [], exempt: ['emergency'] }, volumeCaps: [] };

describe('quiet hours during a relay or live stream', () => {
  const { env, speaker } = speakerSuite();

  async function rigWithStreams() {
    let player!: ClockStreamPlayer;
    const rig = await speaker({
      t0: T0,
      playMs: 1_000,
      streamPlayer: {
        play: (req) => player.play(req),
      },
    });
    player = new ClockStreamPlayer(rig.clock);
    return { rig, player };
  }

  /** a live broadcast from 09:01 for two hours */
  const live = (announcement: string): ScheduleItem =>
    item({
      announcement,
      priority: 'priority',
      audio: env.audio.add(audioBytes(`im-lang-${announcement}`)),
      occurrences: [iso(T0 + MIN)],
      validityS: 2 * 3600,
      source: {
        kind: 'live',
        url: 'http://127.0.0.1:9/live-abc.mp3',
        format: 'mp3',
        durationS: 2 * 3600,
        by: 'lanhdao1',
      },
    });

  async function publish(rig: SpeakerRig, version: number, items: ScheduleItem[], policy: SoundPolicy) {
    const doc = scheduleDoc(rig.deviceId, version, items, { policy });
    await env.console.publish(rig.deviceId, signSchedule(doc, KEYS.privateKey));
    await waitFor(() => rig.unit.scheduleVersion === version);
    await waitFor(() => items.every((i) => existsSync(join(rig.dataDir, 'audio', i.audio.sha256))));
  }

  const logOf = (rig: SpeakerRig, announcement: string) =>
    waitFor(() => env.collector.of(rig.deviceId).find((l) => l.announcement === announcement));

  it('stops a stream where the quiet hours begin, inside its window', async () => {
    const { rig, player } = await rigWithStreams();
    const a = live('truc-tiep-1');
    await publish(rig, 1, [a], quietFrom('09:30'));
    await rig.clock.advanceSettled(MIN + 1_000);
    expect(player.plays).toHaveLength(1);
    await rig.clock.advanceSettled(40 * MIN);
    expect(player.plays[0].endedAt).toBe(T0 + 30 * MIN);
    const log = await logOf(rig, 'truc-tiep-1');
    expect(log).toMatchObject({ outcome: 'failed', reason: 'quiet-hours', endedAt: iso(T0 + 30 * MIN) });
    expect(log.stream).toMatchObject({ kind: 'live', playedS: 29 * 60 });
  });

  it('a policy changed while the stream plays moves its cut-off: earlier, then to now', async () => {
    const { rig, player } = await rigWithStreams();
    const a = live('truc-tiep-2');
    await publish(rig, 1, [a], quietFrom('10:30'));
    await rig.clock.advanceSettled(10 * MIN);
    // the province moves the quiet hours to 09:20 while the leader speaks
    await publish(rig, 2, [a], quietFrom('09:20'));
    await rig.clock.advanceSettled(15 * MIN);
    expect(player.plays[0].endedAt).toBe(T0 + 20 * MIN);
    expect(await logOf(rig, 'truc-tiep-2')).toMatchObject({ outcome: 'failed', reason: 'quiet-hours' });

    // a policy whose quiet hours have already begun cuts a playing stream at once
    const b = { ...live('truc-tiep-3'), occurrences: [iso(T0 + 26 * MIN)] };
    await publish(rig, 3, [b], NO_QUIET);
    await rig.clock.advanceSettled(2 * MIN);
    expect(player.plays).toHaveLength(2);
    const at = rig.clock.now();
    await publish(rig, 4, [b], quietFrom('09:00', '23:00'));
    await rig.clock.advanceSettled(0);
    expect(player.plays[1].endedAt).toBe(at);
    expect(await logOf(rig, 'truc-tiep-3')).toMatchObject({ outcome: 'failed', reason: 'quiet-hours' });
  });

  it('quiet hours moved later or lifted: the stream plays on to its window’s end', async () => {
    const { rig, player } = await rigWithStreams();
    const a = {
      ...live('truc-tiep-4'),
      source: { ...live('x').source!, durationS: 30 * 60 } as ScheduleItem['source'],
    };
    await publish(rig, 1, [a], quietFrom('09:10'));
    await rig.clock.advanceSettled(5 * MIN);
    await publish(rig, 2, [a], NO_QUIET);
    await rig.clock.advanceSettled(40 * MIN);
    expect(player.plays[0].endedAt).toBe(T0 + 31 * MIN);
    expect(await logOf(rig, 'truc-tiep-4')).toMatchObject({ outcome: 'played', endedAt: iso(T0 + 31 * MIN) });
  });
});
