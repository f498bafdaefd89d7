import { connect as netConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, encode } from '../../devices/contract/index.ts';
import { validRating } from '../../devices/fixtures/messages.ts';
import { channelFilter, topicFor, UPLINK_CHANNELS } from '../../devices/topics.ts';
import { BOX, BOX2, SPEAKER, collect, publishAcked, startTestBroker, waitFor } from './helpers.ts';

const rating = (n: number) =>
  encode('rating', { ...validRating, seq: n, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });

describe('broker publish rights: acknowledge, drop and count', async () => {
  const t = await startTestBroker();
  const collector = await t.connect('collector');
  const seen = await collect(collector, UPLINK_CHANNELS.map(channelFilter));
  const box = await t.connect(BOX);
  let boxCloses = 0;
  box.on('close', () => boxCloses++);
  let seq = 0;
  const good = new Set<string>();

  /** publish a bad message, then a good one: the good one arrives, the bad one never does, the box stays connected */
  async function refusedThenGood(bad: () => Promise<void>, reason: string) {
    const before = t.broker.stats().refusals[reason as never] ?? 0;
    await bad(); // resolves on the PUBACK: the message was acknowledged although refused
    const next = rating(++seq);
    good.add(next.toString());
    await publishAcked(box, topicFor(BOX, 'rating'), next);
    await waitFor(() => seen.some((m) => m.payload === next.toString()), 20_000, 'good rating at the collector');
    expect(seen.filter((m) => !good.has(m.payload))).toEqual([]); // the refused one, sent before, never arrived
    expect(t.broker.stats().refusals[reason as never]).toBe(before + 1);
    expect(box.connected).toBe(true);
    expect(boxCloses).toBe(0);
  }

  it('delivers a good rating from a box to the collector', async () => {
    const payload = rating(++seq);
    good.add(payload.toString());
    await publishAcked(box, topicFor(BOX, 'rating'), payload);
    const got = await waitFor(() => seen.find((m) => m.payload === payload.toString()));
    expect(got.topic).toBe(topicFor(BOX, 'rating'));
  });

  it('drops a publish on another device topic (QoS 1 and QoS 0)', async () => {
    await refusedThenGood(() => publishAcked(box, topicFor(BOX2, 'rating'), rating(900)), 'publish-foreign-topic');
    await refusedThenGood(() => publishAcked(box, topicFor(BOX2, 'state'), '{}', { qos: 0 }), 'publish-foreign-topic');
    await refusedThenGood(() => publishAcked(box, 'home/anything', 'x'), 'publish-foreign-topic');
    await refusedThenGood(() => publishAcked(box, '$SYS/tt/broker/refusals', '{}'), 'publish-foreign-topic');
  });

  it('drops a publish on a channel its kind may not use', async () => {
    await refusedThenGood(() => publishAcked(box, topicFor(BOX, 'broadcast-log'), '{}'), 'publish-channel-not-allowed');
    await refusedThenGood(
      () => publishAcked(box, topicFor(BOX, 'ack'), '{"ids":["a"]}'),
      'publish-channel-not-allowed',
    );
  });

  it('drops a retained publish on a channel that is not retained, and keeps nothing retained', async () => {
    await refusedThenGood(
      () => publishAcked(box, topicFor(BOX, 'rating'), rating(901), { retain: true }),
      'publish-retain-not-allowed',
    );
    const late = await t.connect('node-red');
    const lateSeen = await collect(late, [channelFilter('rating')]);
    const marker = rating(++seq);
    good.add(marker.toString());
    await publishAcked(box, topicFor(BOX, 'rating'), marker);
    await waitFor(() => lateSeen.some((m) => m.payload === marker.toString()));
    expect(lateSeen.filter((m) => m.retain)).toEqual([]);
  });

  it('drops an oversize payload', async () => {
    await refusedThenGood(
      () => publishAcked(box, topicFor(BOX, 'rating'), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)),
      'publish-too-large',
    );
  });

  it('delivered nothing refused: the collector saw only the good ratings', () => {
    expect(seen.every((m) => m.topic === topicFor(BOX, 'rating'))).toBe(true);
    expect(seen.map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
  });

  it('lets the console publish a retained schedule to a speaker only, and integration nothing', async () => {
    const consoleClient = await t.connect('console');
    const speaker = await t.connect(SPEAKER);
    const got = await collect(speaker, [topicFor(SPEAKER, 'schedule')]);
    await publishAcked(consoleClient, topicFor(SPEAKER, 'schedule'), '{"doc":1}', { retain: true });
    await waitFor(() => got.some((m) => m.payload === '{"doc":1}'));
    await publishAcked(consoleClient, topicFor(BOX, 'schedule'), '{"doc":2}', { retain: true });
    await publishAcked(consoleClient, topicFor('xa1-khong-co', 'schedule'), '{"doc":3}', { retain: true });
    const nodeRed = await t.connect('node-red');
    await publishAcked(nodeRed, topicFor(SPEAKER, 'schedule'), '{"doc":4}');
    const s = t.broker.stats().refusals;
    // integration writes only dossier bindings: a schedule is a channel it may not publish
    expect(s['publish-channel-not-allowed']).toBeGreaterThanOrEqual(4);
    expect(s['publish-unknown-device']).toBe(1);
    await publishAcked(consoleClient, topicFor(SPEAKER, 'schedule'), '{"doc":5}', { retain: true });
    await waitFor(() => got.some((m) => m.payload === '{"doc":5}'));
    expect(got.map((m) => m.payload)).toEqual(['{"doc":1}', '{"doc":5}']);
    expect(consoleClient.connected && nodeRed.connected).toBe(true);
  });

  it('publishes a device will on its own availability topic, and refuses a will on a foreign topic', async () => {
    const consoleClient = await t.connect('console');
    const got = await collect(consoleClient, [channelFilter('availability')]);
    const before = t.broker.stats().refusals['publish-foreign-topic'] ?? 0;
    const honest = await t.connect(BOX2, {
      will: {
        topic: topicFor(BOX2, 'availability'),
        payload: Buffer.from('{"state":"offline"}'),
        qos: 1,
        retain: true,
      },
    });
    const liar = await t.connect(SPEAKER, {
      will: { topic: topicFor(BOX, 'availability'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    honest.stream.destroy(); // no DISCONNECT: the broker publishes the wills
    liar.stream.destroy();
    await waitFor(
      () => t.broker.stats().refusals['publish-foreign-topic'] === before + 1,
      20_000,
      'the liar will refused',
    );
    await waitFor(() => got.some((m) => m.topic === topicFor(BOX2, 'availability')), 20_000, 'the honest will');
    expect(got.some((m) => m.topic === topicFor(BOX, 'availability'))).toBe(false);
  });

  it('keeps serving after garbage bytes and a half-open connection', async () => {
    await new Promise<void>((resolve) => {
      const s = netConnect(t.broker.port, '127.0.0.1', () =>
        s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01])),
      );
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
    const idle = netConnect(t.broker.port, '127.0.0.1');
    idle.on('error', () => {});
    const payload = rating(++seq);
    good.add(payload.toString());
    await publishAcked(box, topicFor(BOX, 'rating'), payload);
    await waitFor(() => seen.some((m) => m.payload === payload.toString()));
    const again = await t.connect(BOX2);
    expect(again.connected).toBe(true);
    idle.destroy();
  });
});

describe('integration clients limited to communes', async () => {
  const t = await startTestBroker({
    demo: { communes: 2 },
    mutate: (file) => {
      const svc = file.services.find((s) => s.id === 'node-red')!;
      svc.communes = ['90002'];
    },
  });

  it('receives only the devices of its communes', async () => {
    const nodeRed = await t.connect('node-red');
    const got = await collect(nodeRed, [channelFilter('rating')]);
    const a = await t.connect('xa1-quay1-box');
    const b = await t.connect('xa2-quay1-box');
    await publishAcked(a, topicFor('xa1-quay1-box', 'rating'), rating(1));
    await publishAcked(b, topicFor('xa2-quay1-box', 'rating'), rating(2));
    await waitFor(() => got.length > 0);
    await publishAcked(b, topicFor('xa2-quay1-box', 'rating'), rating(3));
    await waitFor(() => got.length > 1);
    expect(got.map((m) => m.topic)).toEqual([topicFor('xa2-quay1-box', 'rating'), topicFor('xa2-quay1-box', 'rating')]);
  });
});
