import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../devices/topics.ts';
import { BOX, collect, Province, publishAcked, SPEAKER, subscribeGranted, waitFor } from './helpers.ts';

/**
 * Broker nodes sharing a real redis-server (in-process nodes: the same startBroker as broker/main.ts).
 * Each test is a failure mode reported by aedes cluster users.
 */
const p = new Province();
beforeAll(() => p.start({ communes: 30, countersPerCommune: 6 }), 60_000);
afterAll(() => p.stop());

const rating = () =>
  JSON.stringify({
    v: 1,
    id: randomUUID(),
    level: 'hai-long',
    at: new Date().toISOString(),
    time: 'synced',
    boot: 'b1',
    seq: 1,
  });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('broker nodes on Redis', () => {
  it('only the persistence shared (emitter in memory): a QoS 1 message on node A never reaches a subscriber on B; the project wiring shares both', async () => {
    const a = await p.node({ emitter: { kind: 'memory' } });
    const b = await p.node({ emitter: { kind: 'memory' } });
    const collector = await p.connect('collector', b.port, { clientId: 'collector', clean: true });
    const got = await collect(collector, ['tt/v1/+/rating']);
    const box = await p.connect(BOX, a.port);
    const lost = rating();
    await publishAcked(box, topicFor(BOX, 'rating'), lost);
    const box2 = await p.connect('xa1-quay2-box', b.port);
    await publishAcked(box2, topicFor('xa1-quay2-box', 'rating'), rating());
    await waitFor(() => got.length >= 1, 10_000, 'the same-node message');
    await pause(500); // node A acknowledged; with no shared emitter there is no path to B at all
    expect(got.map((m) => m.payload)).not.toContain(lost);
    for (const c of [collector, box, box2]) await c.endAsync(true);
    await Promise.all([a.close(), b.close()]);

    // the project's wiring: emitter omitted = the persistence's Redis
    const a2 = await p.node();
    const b2 = await p.node();
    const collector2 = await p.connect('collector', b2.port, { clientId: 'collector', clean: true });
    const got2 = await collect(collector2, ['tt/v1/+/rating']);
    const boxA = await p.connect(BOX, a2.port);
    const heard = rating();
    await publishAcked(boxA, topicFor(BOX, 'rating'), heard);
    await waitFor(() => got2.some((m) => m.payload === heard), 10_000, 'cross-node delivery');
    expect(got2.filter((m) => m.payload === heard)).toHaveLength(1);
  });

  it('an offline persistent session queued on one node is delivered on the other, and survives a node restart', async () => {
    const [a, b] = p.inProcess.slice(-2);
    const id = 'collector';
    let c: MqttClient = await p.connect(id, b.port, { clientId: id, clean: false });
    await c.subscribeAsync('tt/v1/+/rating', { qos: 1 });
    await c.endAsync();
    const box = await p.connect(BOX, a.port);
    const queued = [rating(), rating(), rating()];
    for (const m of queued) await publishAcked(box, topicFor(BOX, 'rating'), m);
    // every node restarts (a province-wide broker update): the session is in Redis, not in a process
    await Promise.all([a.close(), b.close()]);
    const fresh = await p.node();
    const got: string[] = [];
    c = await p.connect(id, fresh.port, { clientId: id, clean: false, manualConnect: false });
    c.on('message', (_t, payload) => got.push(payload.toString()));
    await waitFor(() => got.length >= 3, 15_000, 'queued messages after the restart');
    expect(got).toEqual(queued);
    await c.endAsync();
  });

  it("one SUBSCRIBE with several topics from a persistent session (the collector's): one SUBACK, one code per topic, refused ones 0x80 only", async () => {
    // aedes 1.2 stores such a SUBSCRIBE once per topic; on Redis all but one store used to hang (broker/persistence.ts)
    const node = p.inProcess.at(-1)!;
    const console = await p.connect('console', node.port, { clean: false });
    const codes = await subscribeGranted(console, [
      'tt/v1/+/schedule-status',
      'tt/v1/+/availability',
      'tt/v1/+/rating',
      'tt/v1/+/state',
      'tt/v1/+/broadcast-log',
    ]);
    expect(codes).toEqual([1, 1, 128, 1, 1]);
    const collector = await p.connect('collector', node.port, { clean: false });
    expect(
      await subscribeGranted(collector, [
        'tt/v1/+/rating',
        'tt/v1/+/state',
        'tt/v1/+/camera',
        'tt/v1/+/availability',
        '$SYS/tt/broker/refusals',
      ]),
    ).toEqual([1, 1, 1, 1, 1]);
    await collector.endAsync(true);
    expect(node.stats().refusals['subscribe-not-allowed']).toBeGreaterThanOrEqual(1);
  });

  it('messages over 1 MB: refused and counted under the default limits; within raised limits a 1.2 MB schedule crosses nodes intact', async () => {
    // default: the frame guard closes a connection whose packet declares more than limits.packetMaxBytes (~336 KB)
    const small = p.inProcess.at(-1)!;
    const console = await p.connect('console', small.port);
    const before = small.stats().refusals['frame-too-large'] ?? 0;
    console.publish(topicFor(SPEAKER, 'schedule'), Buffer.alloc(1_100_000, 'x'), { qos: 1, retain: true });
    await waitFor(
      () => (small.stats().refusals['frame-too-large'] ?? 0) === before + 1,
      10_000,
      'the oversize frame refused',
    );

    const raised = { maxPayloadBytes: 2 * 1024 * 1024, limits: { packetMaxBytes: 4 * 1024 * 1024 } };
    const a = await p.node(raised);
    const b = await p.node(raised);
    const big = Buffer.from(Array.from({ length: 1_200_000 }, (_, i) => 'abcdefghij'[i % 10]).join(''));
    const speaker = await p.connect(SPEAKER, b.port);
    const seen: Buffer[] = [];
    speaker.on('message', (_t, payload) => seen.push(payload));
    await speaker.subscribeAsync(topicFor(SPEAKER, 'schedule'), { qos: 1 });
    const consoleA = await p.connect('console', a.port, { clientId: 'console' });
    await publishAcked(consoleA, topicFor(SPEAKER, 'schedule'), big, { retain: true });
    await waitFor(() => seen.some((m) => m.length === big.length), 15_000, 'the 1.2 MB schedule on node B');
    const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
    expect(sha(seen.find((m) => m.length === big.length)!)).toBe(sha(big));
    // within the frame limit but over the payload limit: acknowledged, dropped, counted on the node that got it
    await publishAcked(consoleA, topicFor(SPEAKER, 'schedule'), Buffer.alloc(3 * 1024 * 1024, 'y'), { retain: true });
    expect(a.stats().refusals['publish-too-large']).toBe(1);
    expect(b.stats().refusals['publish-too-large'] ?? 0).toBe(0);
    expect(seen.filter((m) => m.length === 3 * 1024 * 1024)).toEqual([]);
  });

  it('a retained schedule published on node A is received by a speaker that connects to node B later', async () => {
    const [a, b] = p.inProcess.slice(-2);
    const console = await p.connect('console', a.port, { clientId: 'console' });
    const doc = JSON.stringify({ marker: randomUUID() });
    await publishAcked(console, topicFor('xa2-ap1-loa', 'schedule'), doc, { retain: true });
    const speaker = await p.connect('xa2-ap1-loa', b.port);
    const got = await collect(speaker, [topicFor('xa2-ap1-loa', 'schedule')]);
    await waitFor(() => got.length >= 1, 10_000, 'retained schedule');
    expect(got).toEqual([{ topic: topicFor('xa2-ap1-loa', 'schedule'), payload: doc, retain: true }]);
  });

  it('hundreds of devices subscribing at once on two nodes: every SUBACK granted, every device reached from the other node', async () => {
    const [a, b] = p.inProcess.slice(-2);
    const ids = [...p.registry.devices.keys()].slice(0, 300);
    const devices = await Promise.all(ids.map((id, i) => p.connect(id, i % 2 ? a.port : b.port)));
    const inbox = new Map<string, number>();
    for (const [i, d] of devices.entries()) d.on('message', () => inbox.set(ids[i], (inbox.get(ids[i]) ?? 0) + 1));
    const codes = await Promise.all(devices.map((d, i) => subscribeGranted(d, [topicFor(ids[i], 'ack')])));
    expect(codes.flat().every((c) => c === 1)).toBe(true);
    const col = await p.connect('collector', a.port);
    const ack = JSON.stringify({ v: 1, ids: [randomUUID()] });
    await Promise.all(ids.map((id) => publishAcked(col, topicFor(id, 'ack'), ack)));
    await waitFor(() => inbox.size === ids.length, 30_000, 'an ack on every device');
    expect([...inbox.values()].every((n) => n === 1)).toBe(true);
    await Promise.all(devices.map((d) => d.endAsync(true)));
  });
});
