import type { IPoint } from 'influx';
import mqtt from 'mqtt';
import { decode } from '../../devices/contract/index.ts';
import { channelFilter } from '../../devices/topics.ts';
import { influxClient } from '../../infra/influx-client.ts';

/**
 * The reference a team would write first: one MQTT subscriber that batches 1,000 points or 1 s
 * and writes them with the influx package. No registry, no spool, no acks.
 */
export async function startNaivePipeline(opts: {
  brokerUrl: string;
  username?: string;
  password?: string;
  influxUrl: string;
  database: string;
  /** `<deviceId>|<ratingId>` of every stored point */
  onStored: (ids: string[]) => void;
}): Promise<{ stored(): number; close(): Promise<void> }> {
  const influx = influxClient(opts.influxUrl, opts.database);
  await influx.createDatabase(opts.database);
  let batch: IPoint[] = [];
  let ids: string[] = [];
  let stored = 0;
  const flush = async () => {
    if (!batch.length) return;
    const points = batch;
    const done = ids;
    batch = [];
    ids = [];
    await influx.writePoints(points, { precision: 'ms' });
    stored += points.length;
    opts.onStored(done);
  };
  const timer = setInterval(() => void flush(), 1000);
  const client = mqtt.connect(opts.brokerUrl, {
    clientId: opts.username ?? 'naive',
    username: opts.username,
    password: opts.password,
    protocolVersion: 4,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () =>
      client.subscribe(channelFilter('rating'), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
    client.once('error', reject);
  });
  client.on('message', (topic, payload) => {
    const m = decode(topic, payload);
    if (!m.ok || m.channel !== 'rating') return;
    batch.push({
      measurement: 'rating',
      tags: { device: m.deviceId, level: m.payload.level },
      fields: { value: 1, id: m.payload.id },
      timestamp: new Date(m.payload.at),
    });
    ids.push(`${m.deviceId}|${m.payload.id}`);
    if (batch.length >= 1000) void flush();
  });
  return {
    stored: () => stored,
    close: async () => {
      clearInterval(timer);
      await flush();
      await client.endAsync(true);
    },
  };
}
