import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Collector } from '../../collector/index.ts';
import { FIXTURE_DEVICE } from '../../devices/fixtures/messages.ts';
import { decode } from '../../devices/contract/index.ts';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { publisher, rating, testConfig, testRegistry, waitFor, startRatingCollector } from '../collector/helpers.ts';
import { startPlainBroker, type TestBroker } from '../support/test-broker.ts';

const RATING_TOPIC = topicFor(FIXTURE_DEVICE, 'rating');
const OTHER_BOX = 'xa1-quay2-box';

describe('contract: dossier fields are additive', () => {
  it('accepts a rating without a dossier (old boxes) and with one; refuses a malformed dossier', () => {
    const base = rating();
    expect(decode(RATING_TOPIC, JSON.stringify(base)).ok).toBe(true);
    expect(
      decode(
        RATING_TOPIC,
        JSON.stringify({ ...base, dossier: '000.00.20.H57-250101-0001', procedure: '1.001612', officer: 'CB01' }),
      ).ok,
    ).toBe(true);
    for (const dossier of ['', 'a b', 'x/+/#', 'Nguyễn', 'x'.repeat(65)]) {
      const d = decode(RATING_TOPIC, JSON.stringify({ ...base, dossier }));
      expect(d.ok, dossier).toBe(false);
    }
    const bind = decode(
      topicFor(FIXTURE_DEVICE, 'dossier'),
      JSON.stringify({ v: 1, dossier: 'HS-1', at: new Date().toISOString() }),
    );
    expect(bind.ok).toBe(true);
    expect(
      decode(
        topicFor(FIXTURE_DEVICE, 'dossier'),
        JSON.stringify({ v: 1, dossier: 'HS-1', at: 'x', name: 'Nguyễn Văn A' }),
      ).ok,
    ).toBe(false);
  });
});

describe('collector: one rating per dossier, durably', () => {
  let broker: TestBroker;
  let collector: Collector;
  let pub: MqttClient;
  const db = testDatabase('dossier');
  const acked = new Set<string>();
  const spoolDir = tempDir('tt-spool-d-');
  let config: ReturnType<typeof testConfig>;
  let registry: Awaited<ReturnType<typeof testRegistry>>['registry'];

  beforeAll(async () => {
    broker = await startPlainBroker();
    registry = (await testRegistry()).registry;
    config = testConfig({ brokerUrl: broker.url, influxUrl: db.url, database: db.database, spoolDir });
    collector = await startRatingCollector(config, registry);
    await collector.subscribed;
    pub = await publisher(broker.url);
    await pub.subscribeAsync(channelFilter('ack'), { qos: 1 });
    pub.on('message', (_t, payload) => {
      for (const id of (JSON.parse(payload.toString()) as { ids: string[] }).ids) acked.add(id);
    });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await collector?.close();
    await broker?.stop();
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  const stored = (id: string) => db.influx.query<Record<string, unknown>>(`SELECT * FROM rating WHERE id = '${id}'`);

  it('stores dossier as a field, procedure and officer as tags; a duplicate from another box is refused and counted', async () => {
    const first = rating({ dossier: 'HS-2026-0001', procedure: '1.001612', officer: 'CB01', level: 'khong-hai-long' });
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(first), { qos: 1 });
    const rows = await waitFor(async () => ((await stored(first.id)).length ? stored(first.id) : undefined));
    expect(rows[0]).toMatchObject({ dossier: 'HS-2026-0001', procedure: '1.001612', officer: 'CB01' });
    const tagKeys = await db.influx.query<{ tagKey: string }>('SHOW TAG KEYS FROM rating');
    expect(tagKeys.map((t) => t.tagKey)).toEqual(expect.arrayContaining(['procedure', 'officer']));
    expect(tagKeys.map((t) => t.tagKey)).not.toContain('dossier');

    // the same rating redelivered is not a duplicate
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(first), { qos: 1 });
    // another box (a replacement) rates the same dossier: refused, acknowledged, counted
    const second = rating({ dossier: 'HS-2026-0001', level: 'rat-hai-long' });
    await pub.publishAsync(topicFor(OTHER_BOX, 'rating'), JSON.stringify(second), { qos: 1 });
    await waitFor(() => acked.has(second.id) || undefined);
    const rej = await waitFor(async () => {
      const r = await db.influx.query<{ reason: string; device: string }>(
        `SELECT * FROM rejection WHERE reason = 'rating-dossier-duplicate'`,
      );
      return r.length ? r : undefined;
    });
    expect(rej).toHaveLength(1);
    expect(rej[0].device).toBe(OTHER_BOX);
    expect(await stored(second.id)).toHaveLength(0);
    expect(await stored(first.id)).toHaveLength(1);
    expect(collector.stats().rejected['rating-dossier-duplicate']).toBe(1);

    // a rating without a dossier works as before
    const plain = rating();
    await pub.publishAsync(RATING_TOPIC, JSON.stringify(plain), { qos: 1 });
    await waitFor(async () => ((await stored(plain.id)).length ? true : undefined));
  });

  it('remembers rated dossiers across a collector restart (loaded from InfluxDB)', async () => {
    await collector.close();
    collector = await startRatingCollector({ ...config, clientId: `${config.clientId}-2` }, registry);
    await collector.subscribed;
    const third = rating({ dossier: 'HS-2026-0001' });
    await pub.publishAsync(topicFor(OTHER_BOX, 'rating'), JSON.stringify(third), { qos: 1 });
    await waitFor(() => acked.has(third.id) || undefined);
    await collector.flush();
    expect(await stored(third.id)).toHaveLength(0);
    expect(collector.stats().rejected['rating-dossier-duplicate']).toBe(1);
  });
});
