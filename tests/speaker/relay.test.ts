import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ScheduleItem } from '../../devices/contract/broadcast.ts';
import type { StationDocument } from '../../devices/contract/stream.ts';
import { generateScheduleKeys, signSchedule } from '../../devices/schedule-signature.ts';
import { signStation } from '../../devices/station-signature.ts';
import { startIcecast, type RunningIcecast } from '../../infra/icecast.ts';
import { tempDir } from '../harness/temp.ts';
import { ToneStation } from '../sound/station.ts';
import { toneShare } from '../sound/audio-gen.ts';
import { TestBroker } from '../support/test-broker.ts';
import { FakeCollector } from './helpers/context.ts';
import { AudioServer, COMMUNE, HAMLET, KEYS, audioBytes, item, iso, scheduleDoc, waitFor } from './helpers/fixtures.ts';
import { ConsolePublisher } from './helpers/rig.ts';
import { stopChildren } from '../support/children.ts';

/**
 * Relay ("tiếp sóng") on two real bridge processes: a local icecast2 carries a 440 Hz tone as the station;
 * the speakers decode it with ffmpeg into PCM files (the fake player's sound card). The station is cut
 * mid-window and comes back; an emergency preempts a relay; a station the province did not sign is refused.
 */
const PROVINCE = generateScheduleKeys();
const ROGUE = generateScheduleKeys();
const SPEAKERS = ['loa-relay-1', 'loa-relay-2'];
const RATE = 22_050;
const FREQ = 440;
/** the first relay's window: long enough that a loaded machine still cuts the station in its middle */
const WINDOW_S = 30;

const broker = new TestBroker();
const audio = new AudioServer();
const dir = tempDir('tt-relay-');
const children: ChildProcess[] = [];
let icecast: RunningIcecast;
let station: ToneStation;
let console_: ConsolePublisher;
let collector: FakeCollector;
let version = 0;

function stationDoc(over: Partial<StationDocument> = {}): StationDocument {
  return {
    v: 1,
    province: '79',
    id: 'dai-tinh',
    name: 'Đài Phát thanh tỉnh (thử)',
    url: station.url,
    format: 'mp3',
    approvedAt: iso(Date.now()),
    ...over,
  };
}

async function publishAll(items: ScheduleItem[]): Promise<void> {
  version++;
  for (const id of SPEAKERS) await console_.publish(id, signSchedule(scheduleDoc(id, version, items), KEYS.privateKey));
}

function logOf(id: string, announcement: string) {
  return collector.of(id).find((l) => l.announcement === announcement);
}

/** the PCM a speaker wrote for its n-th stream, with the wall time of each chunk */
function pcmOf(id: string, n: number): { samples: Int16Array; chunks: { at: number; offset: number }[] } {
  const base = join(dir, id, 'units', 'speaker', 'stream-out');
  const raw = readFileSync(`${base}-${n}.pcm`);
  const chunks = readFileSync(`${base}-${n}.times`, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [at, offset] = l.split(' ').map(Number);
      return { at, offset };
    });
  return { samples: new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2)), chunks };
}

/** the speaker's n-th stream has produced sound */
function hearing(id: string, n: number): boolean {
  const f = join(dir, id, 'units', 'speaker', `stream-out-${n}.times`);
  return existsSync(f) && readFileSync(f, 'utf8').split('\n').length > 5;
}

beforeAll(async () => {
  await broker.start();
  await audio.start();
  icecast = await startIcecast({
    dir: join(dir, 'icecast'),
    sourcePassword: 'nguon-thu',
    adminPassword: 'quan-tri-thu',
  });
  station = new ToneStation(icecast, '/dai-tinh.mp3', FREQ);
  await station.start();
  console_ = new ConsolePublisher(broker.url);
  collector = new FakeCollector(broker.url);
  for (const id of SPEAKERS) {
    const config = {
      deviceId: id,
      broker: { url: broker.url, password: 'pw', reconnectMinMs: 200, reconnectMaxMs: 2000 },
      dataDir: join(dir, id),
      io: { kind: 'fake' },
      clock: { sources: [], rtc: false, pollMs: 500 },
      outbox: { resendAfterMs: 2000 },
      units: {
        speaker: {
          commune: COMMUNE,
          hamlet: HAMLET,
          schedulePublicKey: KEYS.publicKey,
          relayPin: 7,
          consoleUrl: audio.url,
          player: { kind: 'fake' },
          warmupMs: 0,
          relayHoldMs: 0,
          stream: { stationKeys: [PROVINCE.publicKey], stallMs: 2_000, retryMs: 300, rate: RATE },
        },
      },
    };
    const file = join(dir, `${id}.yaml`);
    writeFileSync(file, stringify(config));
    // E2E_LOG_DIR keeps a copy of the speakers' logs after the run (the temp dir is removed)
    const out = openSync(join(dir, `${id}.log`), 'a');
    children.push(
      spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['firmware-bridge/main.ts', '--config', file], {
        cwd: process.cwd(),
        stdio: ['ignore', out, out],
      }),
    );
  }
  await waitFor(() => collector.client.connected && console_.client.connected);
  // both bridges are up once they accept a first (empty) schedule
  await publishAll([]);
  await waitFor(
    () => SPEAKERS.every((id) => readFileSync(join(dir, `${id}.log`), 'utf8').includes('schedule accepted')),
    60_000,
  );
}, 120_000);

afterAll(async () => {
  if (process.env.E2E_LOG_DIR)
    for (const id of SPEAKERS) copyFileSync(join(dir, `${id}.log`), join(process.env.E2E_LOG_DIR, `${id}.log`));
  await stopChildren(children);
  await station?.cut();
  await icecast?.close();
  await console_?.close();
  await collector?.close();
  await audio.stop();
  await broker.stop();
}, 60_000);

describe('relay of a province-approved station', () => {
  it('plays on both speakers for its window, survives the station dropping out, logs the gap', {
    timeout: 120_000,
  }, async () => {
    const start = Date.now() + 3_000;
    const relay = item({
      announcement: 'tiep-song-1',
      title: 'Tiếp sóng Đài tỉnh',
      audio: audio.add(audioBytes('gioi-thieu')),
      occurrences: [iso(start)],
      validityS: WINDOW_S,
      source: { kind: 'relay', station: signStation(stationDoc(), PROVINCE.privateKey), durationS: WINDOW_S },
    });
    await publishAll([relay]);
    // the intro plays (1 s, fake player), then the stream: wait until both speakers hear the station
    await waitFor(() => SPEAKERS.every((id) => hearing(id, 1)), 40_000);
    await station.cut();
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 2_500));
    await station.start();
    const backAt = Date.now();
    const logs = await waitFor(
      () => SPEAKERS.every((id) => logOf(id, 'tiep-song-1')) && SPEAKERS.map((id) => logOf(id, 'tiep-song-1')!),
      40_000,
    );
    for (const [i, log] of logs.entries()) {
      expect(log, SPEAKERS[i]).toMatchObject({ outcome: 'played', stream: { kind: 'relay' } });
      expect(log.stream!.gaps).toBeGreaterThanOrEqual(1);
      expect(log.stream!.gapS).toBeGreaterThan(0);
      expect(log.stream!.playedS).toBeGreaterThan(0);
      // the window's end stopped it: the log ends at the window, not when the station would
      expect(Date.parse(log.endedAt!)).toBeLessThan(start + WINDOW_S * 1000 + 3_000);
      const { samples, chunks } = pcmOf(SPEAKERS[i], 1);
      const before = chunks.filter((c) => c.at < cutAt);
      const after = chunks.filter((c) => c.at > backAt);
      expect(before.length, 'audio before the cut').toBeGreaterThan(0);
      expect(after.length, 'audio after the station came back').toBeGreaterThan(0);
      // the tone really is in what came out, before and after the gap
      const slice = (from: number, n: number) => samples.subarray(from / 2, from / 2 + n);
      expect(toneShare(slice(before[0].offset, RATE / 2), FREQ, RATE)).toBeGreaterThan(0.5);
      expect(toneShare(slice(after[0].offset, RATE / 2), FREQ, RATE)).toBeGreaterThan(0.5);
    }
  });

  it('an emergency preempts a relay, which resumes after it inside its window (one more gap)', {
    timeout: 120_000,
  }, async () => {
    const start = Date.now() + 2_000;
    const windowS = 25;
    const relay = item({
      announcement: 'tiep-song-2',
      title: 'Tiếp sóng Đài tỉnh',
      audio: audio.add(audioBytes('gioi-thieu')),
      occurrences: [iso(start)],
      validityS: windowS,
      source: { kind: 'relay', station: signStation(stationDoc(), PROVINCE.privateKey), durationS: windowS },
    });
    await publishAll([relay]);
    await waitFor(() => SPEAKERS.every((id) => hearing(id, 2)), 20_000);
    const emergency = item({
      announcement: 'khan-cap-1',
      title: 'Báo động lũ',
      priority: 'emergency',
      audio: audio.add(audioBytes('lu')),
      occurrences: [iso(Date.now() + 1_500)],
      validityS: 60,
    });
    await publishAll([relay, emergency]);
    await waitFor(() => SPEAKERS.every((id) => logOf(id, 'khan-cap-1')), 30_000);
    // the station again, in a third stream file: the relay resumed after the emergency
    await waitFor(() => SPEAKERS.every((id) => hearing(id, 3)), 20_000);
    await waitFor(() => SPEAKERS.every((id) => logOf(id, 'tiep-song-2')), 40_000);
    for (const id of SPEAKERS) {
      expect(logOf(id, 'khan-cap-1')).toMatchObject({ outcome: 'played' });
      const log = logOf(id, 'tiep-song-2')!;
      expect(log).toMatchObject({ outcome: 'played', stream: { kind: 'relay' } });
      expect(log.stream!.gaps, 'the emergency is a gap').toBeGreaterThanOrEqual(1);
      expect(log.stream!.gapS).toBeGreaterThan(0);
      // one log for the window: it starts before the emergency and ends at the window's end
      expect(Date.parse(log.startedAt!)).toBeLessThan(Date.parse(logOf(id, 'khan-cap-1')!.startedAt!));
      expect(Date.parse(log.endedAt!)).toBeGreaterThan(Date.parse(logOf(id, 'khan-cap-1')!.endedAt!));
      const { samples, chunks } = pcmOf(id, 3);
      expect(
        toneShare(samples.subarray(chunks[0].offset / 2, chunks[0].offset / 2 + RATE / 2), FREQ, RATE),
      ).toBeGreaterThan(0.5);
    }
  });

  it('refuses a station the province did not sign, or one edited after signing', async () => {
    const start = Date.now() + 1_500;
    const rogue = signStation(stationDoc({ url: 'http://127.0.0.1:9/tuy-y.mp3' }), ROGUE.privateKey);
    const honest = signStation(stationDoc(), PROVINCE.privateKey);
    const edited = { ...honest, doc: honest.doc.replace(station.url, 'http://127.0.0.1:9/tuy-y.mp3') };
    const items = [rogue, edited].map((s, i) =>
      item({
        announcement: `tiep-song-gia-${i}`,
        audio: audio.add(audioBytes('gia')),
        occurrences: [iso(start + i * 3_000)],
        validityS: 30,
        source: { kind: 'relay', station: s, durationS: 30 },
      }),
    );
    await publishAll(items);
    await waitFor(() => SPEAKERS.every((id) => logOf(id, 'tiep-song-gia-0') && logOf(id, 'tiep-song-gia-1')), 30_000);
    for (const id of SPEAKERS) {
      for (const a of ['tiep-song-gia-0', 'tiep-song-gia-1']) {
        expect(logOf(id, a)).toMatchObject({ outcome: 'failed' });
        expect(logOf(id, a)!.reason).toMatch(/^station-untrusted/);
      }
      expect(existsSync(join(dir, id, 'units', 'speaker', 'stream-out-4.pcm'))).toBe(false);
    }
  });

  it('a relay that is playing stops when a new signed policy puts it in quiet hours', {
    timeout: 120_000,
  }, async () => {
    // relayed with no quiet hours; then the policy changes mid-stream to quiet hours that began this minute
    // (the cut-off moves to now: no waiting for a whole minute; the exact cut at the start of the quiet hours
    // is tested on the injected clock, tests/speaker/stream-quiet.test.ts)
    const vn = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(11, 16);
    const policyOf = (periods: { from: string; to: string }[]) => ({
      quietHours: { periods, exempt: ['emergency' as const] },
      volumeCaps: [],
    });
    const start = Date.now() + 1_500;
    const windowS = 90;
    const relay = item({
      announcement: 'tiep-song-dem',
      title: 'Tiếp sóng Đài tỉnh',
      audio: audio.add(audioBytes('gioi-thieu-dem')),
      occurrences: [iso(start)],
      validityS: windowS,
      source: { kind: 'relay', station: signStation(stationDoc(), PROVINCE.privateKey), durationS: windowS },
    });
    const publishWith = async (policy: ReturnType<typeof policyOf>) => {
      version++;
      for (const id of SPEAKERS)
        await console_.publish(id, signSchedule(scheduleDoc(id, version, [relay], { policy }), KEYS.privateKey));
    };
    await publishWith(policyOf([]));
    await waitFor(() => SPEAKERS.every((id) => hearing(id, 4)), 40_000);
    const changedAt = Date.now();
    await publishWith(policyOf([{ from: vn(changedAt), to: vn(changedAt + 30 * 60_000) }]));
    const logs = await waitFor(
      () => SPEAKERS.every((id) => logOf(id, 'tiep-song-dem')) && SPEAKERS.map((id) => logOf(id, 'tiep-song-dem')!),
      40_000,
    );
    for (const log of logs) {
      expect(log).toMatchObject({ outcome: 'failed', reason: 'quiet-hours', stream: { kind: 'relay' } });
      expect(log.stream!.playedS).toBeGreaterThan(0);
      // cut when the policy arrived, long before the end of its window
      expect(Date.parse(log.endedAt!)).toBeGreaterThanOrEqual(changedAt);
      expect(Date.parse(log.endedAt!)).toBeLessThan(start + windowS * 1000 - 30_000);
    }
  });
});
