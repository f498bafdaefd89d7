import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { topicFor } from '../../devices/topics.ts';
import { REFUSALS_FILTER, RefusalsPayload } from '../../broker/index.ts';
import { BOX, BOX2, SPEAKER, collect, publishAcked, startTestBroker, subscribeGranted, waitFor } from './helpers.ts';

const REFUSED = 0x80;

describe('broker subscribe rights', async () => {
  const t = await startTestBroker({ config: { statsIntervalMs: 200 } });

  it('grants a device its own downlink and refuses, per topic, another device downlink and wildcards', async () => {
    const box = await t.connect(BOX);
    const granted = await subscribeGranted(box, [
      topicFor(BOX, 'ack'),
      topicFor(BOX2, 'ack'),
      'tt/v1/+/ack',
      '#',
      topicFor(BOX, 'schedule'),
      topicFor(BOX, 'rating'),
    ]);
    expect(granted).toEqual([1, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED]);
    const s = t.broker.stats().refusals;
    expect(s['subscribe-not-allowed']).toBe(3);
    expect(s['subscribe-wildcard']).toBe(2);
    expect(box.connected).toBe(true);

    const got: string[] = [];
    box.on('message', (topic) => got.push(topic));
    const collector = await t.connect('collector');
    await publishAcked(collector, topicFor(BOX2, 'ack'), '{"ids":["b"]}');
    await publishAcked(collector, topicFor(BOX, 'ack'), '{"ids":["a"]}');
    await waitFor(() => got.length > 0);
    expect(got).toEqual([topicFor(BOX, 'ack')]);
  });

  it('grants a speaker its schedule and refuses the console the rating channel', async () => {
    const speaker = await t.connect(SPEAKER);
    expect(await subscribeGranted(speaker, [topicFor(SPEAKER, 'schedule'), topicFor(SPEAKER, 'ack')])).toEqual([1, 1]);
    const consoleClient = await t.connect('console');
    expect(
      await subscribeGranted(consoleClient, ['tt/v1/+/rating', 'tt/v1/+/schedule-status', 'tt/v1/+/alert', '$SYS/#']),
    ).toEqual([REFUSED, 1, 1, REFUSED]);
  });

  it('never delivers to a persistent session what it was refused, even after a reconnect', async () => {
    // aedes stores every topic of a SUBSCRIBE in a persistent session, refused ones included;
    // authorizeForward re-checks each delivery, so the offline queue cannot leak another device's downlink.
    const box2 = await t.connect(BOX2, { clean: false });
    expect(await subscribeGranted(box2, [topicFor(BOX2, 'ack'), topicFor(BOX, 'ack')])).toEqual([1, REFUSED]);
    await box2.endAsync();
    const collector = await t.connect('collector');
    await publishAcked(collector, topicFor(BOX, 'ack'), '{"ids":["x"]}');
    await publishAcked(collector, topicFor(BOX2, 'ack'), '{"ids":["y"]}');
    const got: string[] = [];
    // mqtt.connect (not connectAsync) so the listener exists before the queued messages arrive
    const again = mqtt.connect(`mqtt://127.0.0.1:${t.broker.port}`, {
      clientId: BOX2,
      username: BOX2,
      password: t.secrets[BOX2],
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    t.clients.push(again);
    again.on('message', (topic) => got.push(topic));
    await waitFor(() => got.length > 0, 20_000, 'the queued ack');
    await publishAcked(collector, topicFor(BOX2, 'ack'), '{"ids":["z"]}');
    await waitFor(() => got.length > 1, 20_000, 'the live ack');
    expect(got).toEqual([topicFor(BOX2, 'ack'), topicFor(BOX2, 'ack')]);
  });

  it('publishes cumulative refusal counts, retained, on $SYS/tt/broker/refusals/<node> for the collector', async () => {
    const collector = await t.connect('collector');
    const seen = await collect(collector, ['$SYS/tt/broker/#']);
    const isRefusals = (topic: string) => topic.startsWith('$SYS/tt/broker/refusals/');
    const first = await waitFor(() => seen.find((m) => isRefusals(m.topic)));
    expect(first.retain).toBe(true); // the retained copy comes first, at subscription time
    // the node's id (here the host name, no nodeName configured) is the topic's last level and in the payload
    expect(first.topic).toBe(`$SYS/tt/broker/refusals/${RefusalsPayload.parse(JSON.parse(first.payload)).node}`);
    const counts = () =>
      seen.filter((m) => isRefusals(m.topic)).map((m) => RefusalsPayload.parse(JSON.parse(m.payload)));
    const payload = await waitFor(
      () => counts().find((p) => (p.refusals['subscribe-not-allowed'] ?? 0) >= 3),
      20_000,
      'current counts',
    );
    expect(Date.parse(payload.at)).not.toBeNaN();
    expect(payload.clients).toBeGreaterThan(0);
    const device = await t.connect(BOX);
    expect(await subscribeGranted(device, [REFUSALS_FILTER])).toEqual([REFUSED]);
  });
});
