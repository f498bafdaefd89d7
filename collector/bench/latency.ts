/**
 * Press → durable latency at a steady rate (not a test; numbers vary with load):
 *   tsx collector/bench/latency.ts [ratesPerSecond] [seconds]
 * Real aedes, real mqtt.js publishers (one per rating box), the collector in this process, a private
 * influxd. Latency is publish → application ack; the ack is sent only after InfluxDB answered 204,
 * so it bounds press → queryable from above.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../devices/simulator/demo-registry.ts';
import { topicFor } from '../../devices/topics.ts';
import { systemClock } from '../../infra/clock.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import { startCollector } from '../collector.ts';
import { parseConfig } from '../config.ts';
import { RatingExtension } from '../rating.ts';

const RATE = Number(process.argv[2] ?? 2000);
const SECONDS = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tt-bench-lat-'));
const influxd = new LocalInfluxd({ dir });
await influxd.start();
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
const port = await freePort();
await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
const { yaml } = await demoRegistry({ communes: 4, cost: { N: 1024, r: 8, p: 1 } });
const registry = parseRegistry(yaml);
const config = parseConfig({
  broker: { url: `mqtt://127.0.0.1:${port}`, username: 'c', password: 'p' },
  influx: { url: influxd.url, database: 'lat', rawRetention: '30d' },
  registryPath: '-', spoolDir: join(dir, 'spool'),
});
const collector = await startCollector({ config, registry, log: silentLogger, clock: systemClock, extensions: [new RatingExtension()] });
await collector.subscribed;

const boxes = [...registry.devices.values()].filter((e) => e.device.kind === 'rating-box').map((e) => e.device.id);
const sentAt = new Map<string, number>();
const latencies: number[] = [];
const clients: MqttClient[] = [];
for (const id of boxes) {
  const c = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id, protocolVersion: 4 });
  c.on('message', (_t, payload) => {
    const now = performance.now();
    for (const ackId of (JSON.parse(payload.toString()) as { ids: string[] }).ids) {
      const t = sentAt.get(ackId);
      if (t !== undefined) latencies.push(now - t);
      sentAt.delete(ackId);
    }
  });
  await c.subscribeAsync(topicFor(id, 'ack'), { qos: 1 });
  clients.push(c);
}

const total = RATE * SECONDS;
const t0 = performance.now();
for (let i = 0; i < total; i++) {
  // pace: publish i at t0 + i / RATE
  const due = t0 + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const k = i % clients.length;
  const id = randomUUID();
  sentAt.set(id, performance.now());
  clients[k].publish(topicFor(boxes[k], 'rating'), JSON.stringify({ v: 1, id, level: 'hai-long', at: new Date().toISOString(), time: 'synced', boot: 'b', seq: i }), { qos: 1 });
}
const sendSeconds = (performance.now() - t0) / 1000;
const deadline = performance.now() + 30_000;
while (latencies.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
console.log(`${total} ratings from ${clients.length} boxes at ${RATE}/s (sent in ${sendSeconds.toFixed(1)} s): acked ${latencies.length}`);
console.log(`press→ack ms: p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${q(1)}`);
console.log('collector stats', JSON.stringify(collector.stats()));
for (const c of clients) await c.endAsync();
await collector.close();
await new Promise<void>((r) => broker.close(() => r()));
server.close();
await influxd.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
