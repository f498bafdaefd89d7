import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Collector } from '../../collector/index.ts';
import type { CollectorExtension } from '../../collector/extension.ts';
import { brokerRefusalsTopic } from '../../devices/contract/broker-refusals.ts';
import { FIXTURE_DEVICE, invalidMessages, validRating } from '../../devices/fixtures/messages.ts';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { idCounts, publisher, rating, testConfig, testRegistry, waitFor, startRatingCollector } from './helpers.ts';
import { startPlainBroker, type TestBroker } from '../support/test-broker.ts';

const RATING_TOPIC = topicFor(FIXTURE_DEVICE, 'rating');

describe('collector with a real broker and InfluxDB', () => {
  let broker: TestBroker;
  let collector: Collector;
  let pub: MqttClient;
  const db = testDatabase('coll');
  const acks: { id: string; deviceId: string; storedWhenAcked?: boolean }[] = [];
  let setupRan = 0;
  const spoolDir = tempDir('tt-spool-');
  const spoolDir2 = tempDir('tt-spool-x-');
  const spoolDir3 = tempDir('tt-spool-r-');

  beforeAll(async () => {
    broker = await startPlainBroker();
    const { registry } = await testRegistry();
    const config = testConfig({ brokerUrl: broker.url, influxUrl: db.url, database: db.database, spoolDir });
    collector = await startRatingCollector(config, registry, {
      setup: [
        async (influx, database) => {
          setupRan++;
          expect(database).toBe(db.database);
          // the raw policy exists before a setup hook runs
          const rps = await influx.showRetentionPolicies(database);
          expect(rps.find((r) => r.name === 'raw')).toMatchObject({ default: true, duration: '720h0m0s' });
        },
      ],
    });
    await collector.subscribed;
    pub = await publisher(broker.url);
    await pub.subscribeAsync(channelFilter('ack'), { qos: 1 });
    pub.on('message', (topic, payload) => {
      const deviceId = topic.split('/')[2];
      for (const id of (JSON.parse(payload.toString()) as { ids: string[] }).ids) {
        const entry: (typeof acks)[number] = { id, deviceId };
        acks.push(entry);
        // checked the moment the ack arrives: the point must already be queryable
        void db.influx
          .query(`SELECT id FROM rating WHERE id = '${id}'`)
          .then((rows) => (entry.storedWhenAcked = rows.length === 1));
      }
    });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await collector?.close();
    await broker?.stop();
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  it('runs setup hooks once the database and raw policy exist', () => {
    expect(setupRan).toBe(1);
  });

  it('stores a rating as exactly one point with the registry tags and level', async () => {
    const r = rating({ level: 'khong-hai-long', time: 'mapped' });
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(r), { qos: 1 });
    const rows = await waitFor(async () => {
      const res = await db.influx.query(`SELECT * FROM rating WHERE id = '${r.id}'`);
      return res.length ? res : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      value: 1,
      level: 'khong-hai-long',
      time_quality: 'mapped',
      device: FIXTURE_DEVICE,
      kind: 'rating-box',
      counter: 'xa1-quay1',
      commune: '90001',
      province: '99',
    });
    // ns timestamp: the press's millisecond plus a hash of the id below 1 ms
    const ns = BigInt((rows[0].time as unknown as { getNanoTime(): string }).getNanoTime());
    expect(ns / 1_000_000n).toBe(BigInt(Date.parse(r.at)));
  });

  it('acknowledges a rating only after its point is queryable', async () => {
    const r = rating();
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(r), { qos: 1 });
    const ack = await waitFor(() => acks.find((a) => a.id === r.id && a.storedWhenAcked !== undefined));
    expect(ack.deviceId).toBe(FIXTURE_DEVICE);
    expect(ack.storedWhenAcked).toBe(true);
  });

  it('turns the same message published three times into one point', async () => {
    const r = rating({ level: 'rat-hai-long' });
    const before = collector.stats().received;
    for (let i = 0; i < 3; i++) await pub.publishAsync(RATING_TOPIC, JSON.stringify(r), { qos: 1 });
    await waitFor(() => collector.stats().received >= before + 3);
    await collector.flush();
    const counts = await idCounts(db.influx);
    expect(counts.get(r.id)).toBe(1);
    // copies in one batch share one ack (ids are deduplicated per device)
    await waitFor(() => acks.some((a) => a.id === r.id));
  });

  it('counts and stores every invalid fixture, stays alive and stores the next good message', async () => {
    const before = collector.stats();
    for (const m of invalidMessages) {
      // topics no subscription covers cannot arrive over MQTT; they go through the same pipeline
      if (/^tt\/v1\/[^/]+\/rating$/.test(m.topic)) await pub.publishAsync(m.topic, m.bytes, { qos: 1 });
      else collector.ingest(m.topic, Buffer.from(m.bytes));
    }
    const expected: Record<string, number> = {};
    for (const m of invalidMessages) expected[m.error] = (expected[m.error] ?? 0) + 1;
    await waitFor(() =>
      Object.entries(expected).every(([k, n]) => (collector.stats().rejected[k] ?? 0) - (before.rejected[k] ?? 0) >= n),
    );
    await collector.flush();
    const rows = await db.influx.query<{ reason: string; count: number }>(
      'SELECT sum("count") AS count FROM rejection GROUP BY reason',
    );
    const stored = Object.fromEntries(rows.map((r) => [r.reason, r.count]));
    for (const [reason, n] of Object.entries(expected)) expect(stored[reason], reason).toBeGreaterThanOrEqual(n);
    const devices = await db.influx.query<{ device: string; channel: string }>(
      `SELECT "count", device, channel FROM rejection WHERE reason = 'topic-device-id'`,
    );
    expect(devices[0]).toMatchObject({ device: 'unknown', channel: 'rating' });

    const good = rating();
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(good), { qos: 1 });
    await waitFor(async () => (await idCounts(db.influx)).get(good.id) === 1);
    // a permanently invalid message with a readable id is acknowledged so the device stops resending it
    await waitFor(() => acks.some((a) => a.id === validRating.id));
  });

  it('refuses an unknown device, a channel the kind may not use and an implausible time', async () => {
    const unknown = rating();
    const speaker = rating();
    const old = rating({ at: '2020-01-01T00:00:00.000Z' });
    const future = rating({ at: new Date(Date.now() + 3_600_000).toISOString() });
    await pub.publishAsync(topicFor('xa9-nobody', 'rating'), JSON.stringify(unknown), { qos: 1 });
    await pub.publishAsync(topicFor('xa1-ap1-loa', 'rating'), JSON.stringify(speaker), { qos: 1 });
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(old), { qos: 1 });
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(future), { qos: 1 });
    await waitFor(() => acks.some((a) => a.id === future.id) && acks.some((a) => a.id === old.id));
    await collector.flush();
    const rows = await db.influx.query<{ reason: string; device: string; detail: string }>(
      `SELECT * FROM rejection WHERE reason = 'unknown-device' OR reason = 'channel-not-allowed' OR reason = 'rating-time-implausible'`,
    );
    expect(rows.find((r) => r.reason === 'unknown-device')?.device).toBe('unknown');
    expect(rows.find((r) => r.reason === 'channel-not-allowed')?.device).toBe('xa1-ap1-loa');
    const implausible = rows.filter((r) => r.reason === 'rating-time-implausible');
    expect(implausible.map((r) => r.detail).join()).toContain(old.id);
    expect(implausible.map((r) => r.detail).join()).toContain(future.id);
    const counts = await idCounts(db.influx);
    for (const r of [unknown, speaker, old, future]) expect(counts.has(r.id)).toBe(false);
    // an unknown device is never acknowledged: once registered, its resend is stored
    expect(acks.some((a) => a.id === unknown.id)).toBe(false);
  });

  it('stores the broker refusal counts published on $SYS, tagged with the node; a payload naming another node is refused', async () => {
    const publish = (topic: string, payload: object) =>
      new Promise<void>((resolve, reject) =>
        broker.broker!.publish(
          { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: true, dup: false },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    const rejectedBefore = collector.stats().rejected['broker-refusals-invalid'] ?? 0;
    await publish(brokerRefusalsTopic('node-b'), {
      v: 1,
      node: 'node-a',
      at: new Date().toISOString(),
      refusals: { acl: 99 },
      clients: 1,
    });
    await publish(brokerRefusalsTopic('node-a'), {
      v: 1,
      node: 'node-a',
      at: new Date().toISOString(),
      refusals: { 'bad-password': 3, acl: 2 },
      clients: 7,
    });
    const rows = await waitFor(async () => {
      await collector.flush();
      const r = await db.influx.query<{ reason: string; count: number; node: string }>(
        'SELECT "count", reason, node FROM broker_refusals',
      );
      return r.length === 2 ? r : undefined;
    });
    expect(Object.fromEntries(rows.map((r) => [r.reason, r.count]))).toEqual({ 'bad-password': 3, acl: 2 });
    expect(rows.map((r) => r.node)).toEqual(['node-a', 'node-a']);
    const clients = await db.influx.query<{ clients: number; node: string }>(
      'SELECT clients, node FROM broker_clients',
    );
    expect(clients[0]).toMatchObject({ clients: 7, node: 'node-a' });
    expect(collector.stats().rejected['broker-refusals-invalid']).toBe(rejectedBefore + 1);
  });

  it('counts an extension that throws and keeps going', async () => {
    // a channel with a throwing extension, fed through the pipeline of a second collector on the same broker
    const { registry } = await testRegistry();
    const config = testConfig({ brokerUrl: broker.url, influxUrl: db.url, database: db.database, spoolDir: spoolDir2 });
    const boom = {
      name: 'boom',
      channels: ['state'] as const,
      handle: () => {
        throw new Error('boom');
      },
    };
    const c2 = await startRatingCollector(config, registry, { extensions: [boom] });
    try {
      c2.ingest(
        topicFor(FIXTURE_DEVICE, 'state'),
        Buffer.from(
          JSON.stringify({
            v: 1,
            at: null,
            clockSynced: false,
            boot: 'b',
            uptimeS: 1,
            version: '0.1.0',
            outboxDepth: 0,
          }),
        ),
      );
      await c2.flush();
      expect(c2.stats().extensionErrors).toBe(1);
      expect(c2.stats().rejected['extension-error']).toBe(1);
      const rows = await db.influx.query(`SELECT * FROM rejection WHERE reason = 'extension-error'`);
      expect(rows).toHaveLength(1);
    } finally {
      await c2.close();
    }
  });

  it('tells extensions about broker connects and which messages are retained replays', async () => {
    const stateTopic = topicFor(FIXTURE_DEVICE, 'state');
    const state = (uptimeS: number) =>
      JSON.stringify({ v: 1, at: null, clockSynced: false, boot: 'b', uptimeS, version: '0.1.0', outboxDepth: 0 });
    await pub.publishAsync(stateTopic, state(1), { qos: 1, retain: true });
    const seen: { uptimeS: number; retained?: boolean }[] = [];
    const connects: number[] = [];
    const spy = {
      name: 'spy',
      channels: ['state'] as const,
      onBrokerConnect: (at: number) => connects.push(at),
      handle: (msg: Parameters<CollectorExtension['handle']>[0]) => {
        if (msg.channel === 'state') seen.push({ uptimeS: msg.payload.uptimeS, retained: msg.retained });
        return { points: [] };
      },
    };
    const { registry } = await testRegistry();
    const config = testConfig({ brokerUrl: broker.url, influxUrl: db.url, database: db.database, spoolDir: spoolDir3 });
    const c3 = await startRatingCollector(config, registry, { extensions: [spy] });
    try {
      await waitFor(() => seen.length === 1);
      await pub.publishAsync(stateTopic, state(2), { qos: 1 });
      await waitFor(() => seen.length === 2);
      expect(seen).toEqual([
        { uptimeS: 1, retained: true },
        { uptimeS: 2, retained: false },
      ]);
      expect(connects.length).toBeGreaterThanOrEqual(1);
    } finally {
      await c3.close();
      await pub.publishAsync(stateTopic, '', { qos: 1, retain: true });
    }
  });
});
