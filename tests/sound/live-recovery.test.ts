import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeeder, type FeedState } from '../../console/live/feeder.ts';
import { FfmpegStreamPlayer, pcmFileSink, type StreamPlayback } from '../../firmware-bridge/speaker/player-stream.ts';
import { systemClock } from '../../infra/clock.ts';
import { startIcecast, type RunningIcecast } from '../../infra/icecast.ts';
import { tempDir } from '../harness/temp.ts';
import { stopChildren } from '../support/children.ts';
import { waitFor } from '../harness/wait.ts';
import { toneShare } from './audio-gen.ts';

/**
 * A live broadcast must survive what can fail under it, by itself: the real console feeder (ffmpeg → icecast2
 * mount) fed WebM/Opus in 100 ms chunks by a real-time "microphone", and two speakers' stream players decoding
 * the mount. The encoder is killed, icecast2 is killed and started again, and the uplink stalls past icecast's
 * source timeout (the mount is dropped): each time the feeder puts the mount back, reports it, and both speakers
 * reconnect and play the microphone's tone again.
 */
const RATE = 22_050;
const FREQ = 1000;
const MOUNT = '/live-hoi-phuc.mp3';
const dir = tempDir('tt-live-recovery-');
const icecastEvents: string[] = [];
const ICECAST = {
  dir: join(dir, 'icecast'),
  sourcePassword: 'nguon-thu',
  adminPassword: 'quan-tri-thu',
  supervise: (e: string) => icecastEvents.push(e),
};
let icecast: RunningIcecast;
let mic: ChildProcess;
let feeder: LiveFeeder;
let pump: NodeJS.Timeout;
/** the uplink: while false, the microphone's chunks are held back (a stalled mobile link) */
let flowing = true;
const states: FeedState[] = [];
const players: StreamPlayback[] = [];
const prefix = (i: number) => join(dir, `loa-${i}`);

/** the speaker played the tone at some moment after `after` (any of its reconnect segments) */
function toneAfter(i: number, after: number): boolean {
  for (let n = 1; existsSync(`${prefix(i)}-${n}.times`); n++) {
    const chunks = readFileSync(`${prefix(i)}-${n}.times`, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').map(Number));
    const first = chunks.find(([at]) => at > after);
    if (!first) continue;
    const raw = readFileSync(`${prefix(i)}-${n}.pcm`);
    const samples = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
    const from = first[1] / 2;
    if (samples.length < from + RATE / 2) continue;
    if (toneShare(samples.subarray(from, from + RATE / 2), FREQ, RATE) > 0.5) return true;
  }
  return false;
}

/** polled twice a second: the PCM files grow by 44 KB a second each */
function bothHearAfter(t: number, what: string) {
  let next = 0;
  return waitFor(
    () => {
      if (Date.now() < next) return false;
      next = Date.now() + 500;
      return [0, 1].every((i) => toneAfter(i, t));
    },
    40_000,
    `both speakers hear the tone ${what}`,
  );
}

beforeAll(async () => {
  icecast = await startIcecast(ICECAST);
  feeder = new LiveFeeder({
    ffmpeg: '/usr/bin/ffmpeg',
    sourceUrl: icecast.sourceUrl(MOUNT),
    restartMinMs: 200,
    restartMaxMs: 1_000,
    onState: (s) => states.push(s),
  });
  // the browser's MediaRecorder: WebM/Opus of a tone, in real time, sent every 100 ms
  mic = spawn(
    '/usr/bin/ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi'],
      ...['-i', `sine=frequency=${FREQ}:sample_rate=48000:duration=170`, '-af', 'volume=4'],
      ...['-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', '-cluster_time_limit', '100', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let pending: Buffer[] = [];
  mic.stdout!.on('data', (d: Buffer) => pending.push(d));
  pump = setInterval(() => {
    if (!flowing || !pending.length) return;
    feeder.write(Buffer.concat(pending));
    pending = [];
  }, 100);
  await waitFor(() => feeder.status.state === 'on-air', 30_000, 'feeder on air');
  for (const i of [0, 1]) {
    const player = new FfmpegStreamPlayer({
      ffmpeg: '/usr/bin/ffmpeg',
      clock: systemClock,
      rate: RATE,
      stallMs: 3_000,
      retryMs: 300,
      sink: pcmFileSink(prefix(i), systemClock),
    });
    players.push(
      player.play({
        url: `${icecast.url}${MOUNT}`,
        format: 'mp3',
        live: true,
        volume: 100,
        until: Date.now() + 300_000,
      }),
    );
  }
  await bothHearAfter(0, 'at the start');
}, 90_000);

afterAll(async () => {
  clearInterval(pump);
  feeder?.stop();
  for (const p of players) p.stop();
  await Promise.all(players.map((p) => p.done.catch(() => undefined)));
  if (mic) await stopChildren([mic], 2_000);
  await icecast?.close();
}, 30_000);

describe('a live broadcast recovers by itself', () => {
  it('the encoder is killed: the feeder restarts it on the same mount and the speakers reconnect', {
    timeout: 60_000,
  }, async () => {
    const restarts = feeder.status.restarts;
    const gaps = players.map((p) => p.stats().gaps);
    const killedAt = Date.now();
    process.kill(feeder.pid!, 'SIGKILL');
    await waitFor(() => feeder.status.restarts > restarts && feeder.status.state === 'on-air', 20_000, 'feeder back');
    expect(states.some((s) => s.state === 'reconnecting' && /killed/.test(s.detail ?? ''))).toBe(true);
    await bothHearAfter(killedAt + 500, 'after the encoder was killed');
    players.forEach((p, i) => expect(p.stats().gaps, `speaker ${i} saw the drop`).toBeGreaterThan(gaps[i]));
  });

  it('icecast2 is killed: its supervisor starts it again on its port, the mount comes back and the speakers with it', {
    timeout: 90_000,
  }, async () => {
    const restarts = feeder.status.restarts;
    const killed = icecast.process;
    const exited = new Promise((r) => killed.once('exit', r));
    killed.kill('SIGKILL');
    await exited;
    await waitFor(() => feeder.status.state === 'reconnecting', 10_000, 'feeder sees the mount lost');
    await waitFor(() => icecast.process !== killed && icecast.process.exitCode === null, 20_000, 'icecast2 again');
    expect(icecastEvents.some((e) => /exited/.test(e))).toBe(true);
    const backAt = Date.now();
    await waitFor(() => feeder.status.restarts > restarts && feeder.status.state === 'on-air', 30_000, 'feeder back');
    await bothHearAfter(backAt, 'after icecast2 came back');
  });

  it('the uplink stalls past the source timeout: icecast drops the mount, the feeder puts it back', {
    timeout: 90_000,
  }, async () => {
    const restarts = feeder.status.restarts;
    flowing = false;
    // icecast2's source-timeout is 10 s
    await new Promise((r) => setTimeout(r, 13_000));
    const listening = await fetch(`${icecast.url}${MOUNT}`).then((r) => (r.body?.cancel(), r.status));
    expect(listening, 'the mount was dropped').toBe(404);
    const resumedAt = Date.now();
    flowing = true;
    await waitFor(() => feeder.status.restarts > restarts && feeder.status.state === 'on-air', 30_000, 'feeder back');
    await bothHearAfter(resumedAt, 'after the uplink resumed');
  });
});
