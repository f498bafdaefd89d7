import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { encode } from '../../devices/contract/index.ts';
import { validRating } from '../../devices/fixtures/messages.ts';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { BOX, collect, publishAcked, refusedCode, startTestBroker, waitFor } from './helpers.ts';
import { connackCode, connectPacket, fixedHeader, flood, rawConnect, sleep } from './raw.ts';

const MB = 1024 * 1024;
const DECLARED_MAX = 268_435_455; // the largest remaining length MQTT can declare

describe('broker frame guard: declared lengths, slow clients, malformed CONNECTs', async () => {
  const t = await startTestBroker({ config: { limits: { packetTimeoutMs: 1500, connectTimeoutMs: 2500 } } });
  const count = (reason: string) => t.broker.stats().refusals[reason as never] ?? 0;

  it('closes a CONNECT declaring 268 MB before reading it, counted, with bounded memory (4 at once)', async () => {
    const before = count('frame-too-large-before-login');
    const rssBefore = process.memoryUsage().rss;
    const attackers = await Promise.all(Array.from({ length: 4 }, () => rawConnect(t.broker.port)));
    const written = await Promise.all(
      attackers.map(async (a) => {
        a.socket.write(fixedHeader(0x10, DECLARED_MAX));
        return flood(a, 64 * MB);
      }),
    );
    await Promise.all(attackers.map((a) => a.closed));
    const growth = process.memoryUsage().rss - rssBefore;
    expect(count('frame-too-large-before-login')).toBe(before + 4);
    expect(written.every((n) => n < 64 * MB)).toBe(true); // closed long before the flood was through
    expect(growth).toBeLessThan(40 * MB); // buffered in full it would be 4 × 64 MB
  });

  it('closes a PUBLISH declaring 268 MB after login, counted, and the box can reconnect', async () => {
    const before = count('frame-too-large');
    const raw = await rawConnect(t.broker.port);
    raw.socket.write(connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] }));
    expect(await connackCode(raw)).toBe(0);
    raw.socket.write(fixedHeader(0x32, DECLARED_MAX));
    const written = await flood(raw, 64 * MB);
    await raw.closed;
    expect(written).toBeLessThan(64 * MB);
    expect(count('frame-too-large')).toBe(before + 1);
    const box = await t.connect(BOX);
    await publishAcked(box, topicFor(BOX, 'rating'), encode('rating', validRating));
    await box.endAsync();
  });

  it('accepts an oversize payload within the packet limit the usual way: acknowledged, dropped, counted', async () => {
    const box = await t.connect(BOX);
    const before = count('publish-too-large');
    await publishAcked(box, topicFor(BOX, 'rating'), Buffer.alloc(300 * 1024, 0x20));
    expect(count('publish-too-large')).toBe(before + 1);
    expect(box.connected).toBe(true);
    await box.endAsync();
  });

  it('assembles packets split at every byte (fixed header and varint included) and serves them', async () => {
    const collector = await t.connect('collector');
    const seen = await collect(collector, [channelFilter('rating')]);
    const raw = await rawConnect(t.broker.port);
    raw.socket.setNoDelay(true);
    const good = encode('rating', { ...validRating, seq: 777 });
    const publish = mqttPacket.generate({
      cmd: 'publish',
      topic: topicFor(BOX, 'rating'),
      payload: good,
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
    });
    const bytes = Buffer.concat([connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] }), publish]);
    for (const b of bytes) {
      raw.socket.write(Buffer.from([b]));
      await sleep(1);
    }
    await waitFor(() => seen.some((m) => m.payload === good.toString()), 20_000, 'rating sent byte by byte');
    const answer = Buffer.concat(raw.received);
    expect([...answer.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]); // CONNACK accepted
    await waitFor(
      () => Buffer.concat(raw.received).includes(Buffer.from([0x40, 0x02, 0x00, 0x07])),
      20_000,
      'PUBACK 7',
    );
    raw.socket.destroy();
    await collector.endAsync();
  });

  it('closes a client trickling its CONNECT one byte at a time, counted', async () => {
    const before = count('frame-slow');
    const raw = await rawConnect(t.broker.port);
    const bytes = connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] });
    for (const b of bytes) {
      if (raw.isClosed()) break;
      raw.socket.write(Buffer.from([b]));
      await sleep(300);
    }
    await raw.closed;
    expect(Buffer.concat(raw.received).length).toBe(0); // never answered: it never completed a CONNECT
    expect(count('frame-slow')).toBe(before + 1);
  });

  it('closes a logged-in client trickling a PUBLISH, counted', async () => {
    const before = count('frame-slow');
    const raw = await rawConnect(t.broker.port);
    raw.socket.write(connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] }));
    expect(await connackCode(raw)).toBe(0);
    raw.socket.write(fixedHeader(0x30, 1000));
    while (!raw.isClosed()) {
      raw.socket.write(Buffer.from([0x61]));
      await sleep(200);
    }
    expect(count('frame-slow')).toBe(before + 1);
  });

  it('closes a connection that never sends CONNECT, counted', async () => {
    const before = count('connect-timeout');
    const raw = await rawConnect(t.broker.port);
    await raw.closed;
    expect(count('connect-timeout')).toBe(before + 1);
  });

  it('refuses keepalive 0 (and one over the range) from a device with CONNACK 5, counted; a service may use 0', async () => {
    const url = `mqtt://127.0.0.1:${t.broker.port}`;
    const before = count('connect-keepalive');
    expect(await refusedCode(url, { clientId: BOX, username: BOX, password: t.secrets[BOX], keepalive: 0 })).toBe(5);
    expect(await refusedCode(url, { clientId: BOX, username: BOX, password: t.secrets[BOX], keepalive: 3600 })).toBe(5);
    expect(count('connect-keepalive')).toBe(before + 2);
    const collector = await t.connect('collector', { keepalive: 0 });
    expect(collector.connected).toBe(true);
    await collector.endAsync();
  });

  it('counts every malformed CONNECT: bad protocol name, lying lengths, not CONNECT first, a second CONNECT, bad varint', async () => {
    const before = count('connect-malformed');
    const good = connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] });
    const badName = Buffer.from(good);
    badName.write('MQTX', 4, 'latin1');
    const lying = Buffer.from(good);
    lying.writeUInt16BE(200, 12); // client id length: 200, far more than the packet holds
    const publishFirst = mqttPacket.generate({
      cmd: 'publish',
      topic: topicFor(BOX, 'rating'),
      payload: Buffer.from('{}'),
      qos: 0,
      retain: false,
      dup: false,
    });
    for (const bytes of [badName, lying, publishFirst]) {
      const raw = await rawConnect(t.broker.port);
      raw.socket.write(bytes);
      await raw.closed;
      expect(Buffer.concat(raw.received).length).toBe(0); // closed without a CONNACK
    }
    const twice = await rawConnect(t.broker.port);
    twice.socket.write(good);
    expect(await connackCode(twice)).toBe(0);
    twice.socket.write(good); // a second CONNECT [MQTT-3.1.0-2]
    await twice.closed;
    expect(count('connect-malformed')).toBe(before + 4);
    const varintBefore = count('frame-malformed');
    const raw = await rawConnect(t.broker.port);
    raw.socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await raw.closed;
    expect(count('frame-malformed')).toBe(varintBefore + 1);
  });

  it('refuses MQTT 3.1 (level 3) and any level but 4 with CONNACK 1, counted (3.1.1 only)', async () => {
    const url = `mqtt://127.0.0.1:${t.broker.port}`;
    const before = count('auth-protocol-version');
    expect(await refusedCode(url, { clientId: BOX, username: BOX, password: t.secrets[BOX], protocolVersion: 3 })).toBe(
      1,
    );
    const level7 = connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] });
    level7[8] = 7; // fixed header (2), protocol name (2 + 4), then the level
    const raw = await rawConnect(t.broker.port);
    raw.socket.write(level7);
    expect(await connackCode(raw)).toBe(1);
    await raw.closed;
    expect(count('auth-protocol-version')).toBe(before + 2);
  });

  it('acknowledges and drops a queued wildcard-topic publish, counted, and delivers the good rating behind it', async () => {
    const collector = await t.connect('collector');
    const seen = await collect(collector, [channelFilter('rating')]);
    const before = count('publish-wildcard-topic');
    const good = encode('rating', { ...validRating, seq: 4242 });
    // both queued while offline, the poison first: mqtt.js sends them in order once connected
    const { connect } = await import('mqtt');
    const box = connect(`mqtt://127.0.0.1:${t.broker.port}`, {
      clientId: BOX,
      username: BOX,
      password: t.secrets[BOX],
      protocolVersion: 4,
      reconnectPeriod: 500,
      keepalive: 30,
    });
    t.clients.push(box);
    let closes = 0;
    box.on('close', () => closes++);
    const acked = (topic: string, payload: Buffer | string) =>
      new Promise<void>((resolve, reject) =>
        box.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      );
    const poisonAck = acked(`tt/v1/${BOX}/+`, '{}');
    const goodAck = acked(topicFor(BOX, 'rating'), good);
    await Promise.race([
      Promise.all([poisonAck, goodAck]),
      sleep(20_000).then(() => Promise.reject(new Error('no PUBACKs'))),
    ]);
    await waitFor(() => seen.some((m) => m.payload === good.toString()), 20_000, 'good rating delivered');
    expect(count('publish-wildcard-topic')).toBe(before + 1);
    expect(seen.every((m) => !m.topic.includes('+'))).toBe(true);
    await sleep(1000); // a reconnect loop would show here (reconnectPeriod 500 ms)
    expect(closes).toBe(0);
    expect(box.connected).toBe(true);
    expect(count('publish-wildcard-topic')).toBe(before + 1);
  });
});
