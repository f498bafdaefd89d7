import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import type { InfluxDB } from 'influx';
import { parseConfig, type CollectorConfigInput } from '../../collector/config.ts';
import type { CollectorConfig } from '../../collector/config.ts';
import { startCollector, type Collector, type CollectorDeps } from '../../collector/index.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';

export async function testRegistry(): Promise<{ registry: Registry; yaml: string }> {
  const { yaml } = await demoRegistry({ cost: { N: 1024, r: 8, p: 1 } });
  return { registry: parseRegistry(yaml, 'demo'), yaml };
}

export function testConfig(
  over: { brokerUrl: string; influxUrl: string; database: string; spoolDir: string } & Partial<CollectorConfigInput>,
): CollectorConfig {
  const { brokerUrl, influxUrl, database, spoolDir, ...rest } = over;
  return parseConfig({
    broker: { url: brokerUrl, username: 'collector', password: 'x' },
    influx: { url: influxUrl, database, rawRetention: '30d' },
    registryPath: '/unused',
    spoolDir,
    clientId: `collector-${randomUUID().slice(0, 8)}`,
    ...rest,
  });
}

/** The real collector with the rating extension alone, silent, on the system clock; `more` overrides any dep. */
export function startRatingCollector(
  config: CollectorConfig,
  registry: Registry,
  more: Partial<CollectorDeps> = {},
): Promise<Collector> {
  return startCollector({
    config,
    registry,
    log: silentLogger,
    clock: systemClock,
    extensions: [new RatingExtension()],
    ...more,
  });
}

export { waitFor } from '../harness/wait.ts';

export async function publisher(url: string, clientId = `pub-${randomUUID().slice(0, 8)}`): Promise<MqttClient> {
  return connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 200 });
}

export function rating(over: Record<string, unknown> = {}) {
  return {
    v: 1,
    id: randomUUID(),
    level: 'hai-long',
    at: new Date().toISOString(),
    time: 'synced',
    boot: 'boot-1',
    seq: 1,
    ...over,
  };
}

export { influxClient as influxFor } from '../../infra/influx-client.ts';

/** Points of `measurement` per id (an id stored twice shows as 2). */
export async function idCounts(influx: InfluxDB, measurement = 'rating'): Promise<Map<string, number>> {
  const rows = await influx.query<{ id: string }>(`SELECT id FROM "${measurement}"`);
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.id, (m.get(r.id) ?? 0) + 1);
  return m;
}
