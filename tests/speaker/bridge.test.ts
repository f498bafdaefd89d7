import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSchedule } from '../../devices/schedule-signature.ts';
import { topicFor } from '../../devices/topics.ts';
import { startVirtualBox, type VirtualBox } from '../../simulator/virtual-box.ts';
import { unitFromSection } from '../../firmware-bridge/unit-catalogue.ts';
import type { SpeakerUnit } from '../../firmware-bridge/speaker/speaker-unit.ts';
import { tempDir } from '../harness/temp.ts';
import { TestBroker } from '../support/test-broker.ts';
import { FakeCollector } from './helpers/context.ts';
import { AudioServer, COMMUNE, HAMLET, KEYS, audioBytes, item, iso, scheduleDoc, waitFor } from './helpers/fixtures.ts';
import { ConsolePublisher } from './helpers/rig.ts';

/** The speaker unit inside the real bridge (outbox, link, heartbeat) on a fake IO, with the system clock. */
describe('speaker unit in the bridge', () => {
  const broker = new TestBroker();
  const audio = new AudioServer();
  const root = tempDir('tt-speaker-bridge-');
  let vb: VirtualBox;
  let unit: SpeakerUnit;
  let console_: ConsolePublisher;
  let collector: FakeCollector;
  const id = 'loa-cau-noi';

  beforeAll(async () => {
    await broker.start();
    await audio.start();
    console_ = new ConsolePublisher(broker.url);
    collector = new FakeCollector(broker.url);
    const section = {
      commune: COMMUNE,
      hamlet: HAMLET,
      schedulePublicKey: KEYS.publicKey,
      consoleUrl: audio.url,
      relayPin: 9,
      warmupMs: 200,
      player: { kind: 'fake' },
    };
    vb = await startVirtualBox({
      deviceId: id,
      brokerUrl: broker.url,
      password: 'pw',
      dataDir: join(root, id),
      heartbeatMs: 1_000,
      units: [unitFromSection('speaker', section)],
    });
    unit = vb.bridge.units.find((u) => u.name === 'speaker') as SpeakerUnit;
    await waitFor(() => vb.bridge.link.connected && collector.client.connected && console_.client.connected);
  });
  afterAll(async () => {
    await vb?.stop();
    await console_?.close();
    await collector?.close();
    await audio.stop();
    await broker.stop();
  });

  it('accepts a signed schedule, plays it, and its log goes through the outbox to the collector', async () => {
    const statuses: Record<string, unknown>[] = [];
    collector.client.on(
      'message',
      (t, b) => t === topicFor(id, 'schedule-status') && statuses.push(JSON.parse(b.toString())),
    );
    await collector.client.subscribeAsync(topicFor(id, 'schedule-status'), { qos: 1 });
    const start = Date.now() + 3_000;
    const doc = scheduleDoc(id, 1, [item({ audio: audio.add(audioBytes('bridge')), occurrences: [iso(start)] })]);
    await console_.publish(id, signSchedule(doc, KEYS.privateKey));
    await waitFor(() => statuses.some((s) => s.status === 'accepted' && s.active === 1));
    const [log] = await waitFor(() => collector.of(id).length === 1 && collector.of(id), 30_000);
    expect(log).toMatchObject({ outcome: 'played', occurrence: iso(start) });
    await waitFor(() => vb.bridge.outbox.depth() === 0);
    expect(unit.stats.logs.played).toBe(1);
  });

  it('refuses a forged schedule and says so on schedule-status', async () => {
    const statuses: Record<string, unknown>[] = [];
    collector.client.on(
      'message',
      (t, b) => t === topicFor(id, 'schedule-status') && statuses.push(JSON.parse(b.toString())),
    );
    const forged = signSchedule(scheduleDoc(id, 2, []), KEYS.privateKey);
    await console_.publish(id, { ...forged, doc: forged.doc.replace('"version":2', '"version":3') });
    await waitFor(() => statuses.some((s) => s.status === 'refused'));
    expect(statuses.find((s) => s.status === 'refused')).toMatchObject({ reason: 'bad-signature', active: 1 });
  });
});
