/**
 * Start-time accuracy of loudspeakers (every hamlet's speaker must play on time): 50 speaker units of
 * one commune in one process, each with its own MQTT connection to a real aedes over TCP, its schedule
 * signed and delivered retained, its audio fetched over HTTP. All share the system clock (synced clocks),
 * so what is measured is the unit's own lateness: timers, event loop load, relay warm-up handling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signSchedule } from '../devices/schedule-signature.ts';
import { systemClock } from '../infra/clock.ts';
import type { TrustedTime } from '../firmware-bridge/unit.ts';
import { SpeakerConfig } from '../firmware-bridge/speaker/config.ts';
import { FakePlayer } from '../firmware-bridge/speaker/player-fake.ts';
import { SpeakerUnit } from '../firmware-bridge/speaker/speaker-unit.ts';
import { TestBroker } from '../tests/support/test-broker.ts';
import { FakeCollector, TestContext } from '../tests/speaker/helpers/context.ts';
import {
  AudioServer,
  COMMUNE,
  HAMLET,
  KEYS,
  audioBytes,
  item,
  iso,
  scheduleDoc,
  waitFor,
} from '../tests/speaker/helpers/fixtures.ts';
import { ConsolePublisher } from '../tests/speaker/helpers/rig.ts';

export type SpeakerStartResult = { speakers: number; spreadMs: number; latenessP50Ms: number; latenessMaxMs: number };

const synced: TrustedTime = { synced: () => true, whenSynced: () => Promise.resolve() };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

type Speaker = { id: string; unit: SpeakerUnit; player: FakePlayer; tc: TestContext };

function makeSpeaker(i: number, brokerUrl: string, consoleUrl: string, root: string): Speaker {
  const id = `loa-bench-${String(i).padStart(2, '0')}`;
  const config = {
    ...SpeakerConfig.parse({
      commune: COMMUNE,
      hamlet: HAMLET,
      schedulePublicKey: KEYS.publicKey,
      consoleUrl,
      relayPin: 7,
      warmupMs: 1_000,
      player: { kind: 'fake' },
    }),
    schedulePublicKey: KEYS.publicKey,
  };
  let relayOn = false;
  const relay = {
    get on() {
      return relayOn;
    },
    set: (v: boolean) => void (relayOn = v),
  };
  const player = new FakePlayer(systemClock, () => 2_000);
  const unit = new SpeakerUnit({ config, relay, player });
  const tc = new TestContext(id, brokerUrl, { clock: systemClock, time: synced, dataDir: join(root, id) });
  return { id, unit, player, tc };
}

export async function runSpeakerStartBench(
  opts: { speakers?: number; leadMs?: number } = {},
): Promise<SpeakerStartResult> {
  const n = opts.speakers ?? 50;
  const root = mkdtempSync(join(tmpdir(), 'tt-bench-speaker-'));
  const broker = new TestBroker();
  const audio = new AudioServer();
  await broker.start();
  await audio.start();
  const console_ = new ConsolePublisher(broker.url);
  const collector = new FakeCollector(broker.url);
  const speakers = Array.from({ length: n }, (_, i) => makeSpeaker(i + 1, broker.url, audio.url, root));
  try {
    for (const s of speakers) await s.unit.start(s.tc.ctx);
    await waitFor(
      () => speakers.every((s) => s.tc.client.connected) && console_.client.connected && collector.client.connected,
      60_000,
    );
    const ref = audio.add(audioBytes('bench'));
    const start = Date.now() + (opts.leadMs ?? 10_000);
    for (const s of speakers) {
      const doc = scheduleDoc(s.id, 1, [
        item({ announcement: 'bench', audio: ref, occurrences: [iso(start)], validityS: 60 }),
      ]);
      await console_.publish(s.id, signSchedule(doc, KEYS.privateKey));
    }
    await waitFor(() => speakers.every((s) => s.unit.scheduleVersion === 1), 60_000);
    if (Date.now() > start - 1_000) throw new Error('bench setup took longer than the lead time: raise leadMs');
    await waitFor(() => speakers.every((s) => s.player.plays.length === 1), start - Date.now() + 60_000);
    await waitFor(() => collector.logs.length === n, 60_000);
    const lateness = speakers.map((s) => s.player.plays[0].startedAt - start).sort((a, b) => a - b);
    return {
      speakers: n,
      spreadMs: lateness[n - 1] - lateness[0],
      latenessP50Ms: percentile(lateness, 50),
      latenessMaxMs: lateness[n - 1],
    };
  } finally {
    for (const s of speakers) {
      await s.unit.stop();
      await s.tc.close();
    }
    await console_.close();
    await collector.close();
    await audio.stop();
    await broker.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runSpeakerStartBench(), null, 2));
}
