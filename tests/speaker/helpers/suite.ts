import type { StreamPlayer } from '../../../firmware-bridge/speaker/player-stream.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { signSchedule } from '../../../devices/schedule-signature.ts';
import type { ScheduleItem } from '../../../devices/contract/broadcast.ts';
import type { SpeakerConfigInput } from '../../../firmware-bridge/speaker/config.ts';
import { tempDir } from '../../harness/temp.ts';
import { TestBroker } from '../../support/test-broker.ts';
import { FakeCollector } from './context.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { FakeTrustedTime } from './trusted-time.ts';
import { AudioServer, audioBytes, item, iso, KEYS, scheduleDoc, waitFor } from './fixtures.ts';
import { ConsolePublisher, SpeakerRig } from './rig.ts';

/** Broker, console audio server, console publisher and collector shared by one test file; one rig per test. */
export function speakerSuite() {
  const env = {
    broker: new TestBroker(),
    audio: new AudioServer(),
    console: null as unknown as ConsolePublisher,
    collector: null as unknown as FakeCollector,
    rigs: [] as SpeakerRig[],
  };
  const root = tempDir('tt-speaker-');
  let n = 0;
  beforeAll(async () => {
    await env.broker.start();
    await env.audio.start();
    env.console = new ConsolePublisher(env.broker.url);
    env.collector = new FakeCollector(env.broker.url);
    await waitFor(() => env.collector.client.connected && env.console.client.connected);
  });
  afterAll(async () => {
    for (const r of env.rigs) await r.stop().catch(() => {});
    await env.console.close();
    await env.collector.close();
    await env.audio.stop();
    await env.broker.stop();
  });

  /** A started speaker with its own id, data dir and clock, connected to the broker. */
  async function speaker(opts: {
    t0: number;
    synced?: boolean;
    config?: Partial<SpeakerConfigInput>;
    playMs?: number;
    dataDir?: string;
    id?: string;
    streamPlayer?: StreamPlayer;
  }) {
    const id = opts.id ?? `loa-${++n}`;
    const clock = new FakeClock(opts.t0);
    const time = new FakeTrustedTime(opts.synced ?? true);
    const rig = new SpeakerRig(
      id,
      env.broker.url,
      opts.dataDir ?? join(root, id),
      clock,
      time,
      { consoleUrl: env.audio.url, ...opts.config },
      opts.playMs,
      opts.streamPlayer,
    );
    await rig.start();
    env.rigs.push(rig);
    await waitFor(() => rig.tc.client.connected);
    return rig;
  }

  /** Publish a signed schedule and wait until the speaker accepted it and cached its audio. */
  async function deliver(rig: SpeakerRig, version: number, items: ScheduleItem[]) {
    await env.console.publish(rig.deviceId, signSchedule(scheduleDoc(rig.deviceId, version, items), KEYS.privateKey));
    await waitFor(() => rig.unit.scheduleVersion === version);
    await waitFor(() => items.every((i) => existsSync(join(rig.dataDir, 'audio', i.audio.sha256))));
  }

  /**
   * A speaker with one daily announcement at t0 + 5 min and t0 + 25 min is switched off, and `sendStop` stops
   * it until t0 + 15 min while it is off. Back a minute later it obeys the retained stop `stopId` at once: the
   * first play is skipped, the second plays once the stop has ended.
   */
  async function obeysStopSentWhileOff(o: {
    t0: number;
    id: string;
    config: Partial<SpeakerConfigInput>;
    stopId: string;
    sendStop(rig: SpeakerRig, until: number): Promise<unknown>;
  }) {
    const MIN = 60_000;
    let rig = await speaker({ t0: o.t0, playMs: 30_000, id: o.id, config: o.config });
    const dataDir = rig.dataDir;
    const start = o.t0 + 5 * MIN;
    await deliver(rig, 1, [
      item({
        announcement: 'hang-ngay',
        audio: env.audio.add(audioBytes('o1')),
        occurrences: [iso(start), iso(start + 20 * MIN)],
      }),
    ]);
    await rig.stop();
    await o.sendStop(rig, start + 10 * MIN);
    rig = await speaker({ t0: o.t0 + MIN, playMs: 30_000, id: o.id, dataDir, config: o.config });
    await waitFor(() => rig.unit.stoppedBy?.id === o.stopId);
    await rig.clock.advanceSettled(5 * MIN);
    expect(rig.player.plays).toHaveLength(0);
    await rig.clock.advanceSettled(20 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start + 20 * MIN]);
    expect(rig.unit.stoppedBy).toBeNull();
  }

  return { env, speaker, deliver, obeysStopSentWhileOff };
}
