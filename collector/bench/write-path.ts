/**
 * Quick measurement of the collector's InfluxDB write path (not a test; numbers vary with load):
 *   tsx collector/bench/write-path.ts [points]
 * - raw:      hand-built line protocol (template strings, no escaping) POSTed in batches of 1,000;
 * - pkg:      influx.writePoints with the same points and schema;
 * - encode:   the collector's path: encodePoint (parsePoint + escape helpers) per point, InfluxWriter POST;
 * - pipeline: the whole ingest (decode + zod + registry + RatingExtension + encode + batch + write).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../devices/simulator/demo-registry.ts';
import { topicFor } from '../../devices/topics.ts';
import { levelValue, LEVEL_KEYS } from '../../devices/levels.ts';
import { systemClock } from '../../infra/clock.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { freePort } from '../../infra/ports.ts';
import { silentLogger } from '../../infra/logger.ts';
import { InfluxWriter } from '../influx-writer.ts';
import { encodePoint } from '../line-protocol.ts';
import { RatingExtension } from '../rating.ts';
import { RAW_RP } from '../schema.ts';
import { idTimestampNs } from '../timestamp.ts';
import { startCollector } from '../collector.ts';
import { parseConfig } from '../config.ts';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const dir = mkdtempSync(join(tmpdir(), 'tt-bench-influxd-'));
const influxd = new LocalInfluxd({ dir });
await influxd.start();
const { yaml } = await demoRegistry({ communes: 2, cost: { N: 1024, r: 8, p: 1 } });
const registry = parseRegistry(yaml);
const boxes = [...registry.devices.values()].filter((e) => e.device.kind === 'rating-box');
const ext = new RatingExtension();
// a real broker, so the pipeline's acks are published as in production
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
const brokerPort = await freePort();
await new Promise<void>((r) => server.listen(brokerPort, '127.0.0.1', r));

function makePoints(): IPoint[] {
  const now = Date.now() - 3_600_000;
  return Array.from({ length: N }, (_, i) => {
    const entry = boxes[i % boxes.length];
    const level = LEVEL_KEYS[i % 4];
    const id = randomUUID();
    return {
      measurement: 'rating',
      tags: { ...registry.deviceTags(entry), level, time_quality: 'synced' },
      fields: { value: levelValue(level), id },
      timestamp: idTimestampNs(now + i, id),
    };
  });
}

function client(database: string): InfluxDB {
  const u = new URL(influxd.url);
  return new InfluxDB({ host: u.hostname, port: Number(u.port), database, schema: ext.schema.map((s) => ({ ...s, database })) });
}

async function fresh(name: string): Promise<{ influx: InfluxDB; database: string }> {
  const database = `${name}_${randomUUID().slice(0, 6).replace(/-/g, '')}`;
  const influx = client(database);
  await influx.createDatabase(database);
  await influx.createRetentionPolicy(RAW_RP, { database, duration: '30d', replication: 1, isDefault: true });
  return { influx, database };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return N / ((performance.now() - t0) / 1000);
}

const runs: Record<string, number[]> = { raw: [], pkg: [], encode: [], pipeline: [] };
async function runRaw(): Promise<void> {
  {
    const pts = makePoints();
    const { database } = await fresh('raw');
    const w = new InfluxWriter({ url: influxd.url, database, retentionPolicy: RAW_RP, timeoutMs: 30_000 });
    runs.raw.push(await timed(async () => {
      for (let i = 0; i < N; i += BATCH) {
        let body = '';
        for (const p of pts.slice(i, i + BATCH)) {
          const t = p.tags!;
          body += `rating,commune=${t.commune},counter=${t.counter},device=${t.device},kind=${t.kind},level=${t.level},province=${t.province},time_quality=${t.time_quality} id="${p.fields!.id}",value=${p.fields!.value}i ${p.timestamp}\n`;
        }
        if ((await w.write(body)).kind !== 'ok') throw new Error('raw write failed');
      }
    }));
  }
}
async function runPkg(): Promise<void> {
  {
    const pts = makePoints();
    const { influx, database } = await fresh('pkg');
    runs.pkg.push(await timed(async () => {
      for (let i = 0; i < N; i += BATCH) await influx.writePoints(pts.slice(i, i + BATCH), { database, retentionPolicy: RAW_RP });
    }));
  }
}
async function runEncode(): Promise<void> {
  {
    const pts = makePoints();
    const { influx, database } = await fresh('enc');
    const w = new InfluxWriter({ url: influxd.url, database, retentionPolicy: RAW_RP, timeoutMs: 30_000 });
    runs.encode.push(await timed(async () => {
      for (let i = 0; i < N; i += BATCH) {
        const lines = pts.slice(i, i + BATCH).map((p) => encodePoint(influx, database, p));
        if ((await w.write(lines.join('\n'))).kind !== 'ok') throw new Error('encode write failed');
      }
    }));
  }
}
// each round runs the variants in a rotated order: influxd slows down as it fills, so a fixed order would favour the first
const variants = [runRaw, runPkg, runEncode];
for (let round = 0; round < 3; round++) {
  for (let k = 0; k < variants.length; k++) await variants[(k + round) % variants.length]();
  {
    const database = `pipe_${round}`;
    const config = parseConfig({
      broker: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'c', password: 'p' },
      influx: { url: influxd.url, database, rawRetention: '30d' },
      registryPath: '-', spoolDir: join(dir, `spool-${round}`), batch: { maxPoints: BATCH, maxDelayMs: 50 },
    });
    // messages are fed straight into the pipeline (MQTT delivery is not what is measured); acks go out over MQTT
    const c = await startCollector({ config, registry, log: silentLogger, clock: systemClock, extensions: [ext] });
    await c.subscribed;
    const msgs = Array.from({ length: N }, (_, i) => {
      const entry = boxes[i % boxes.length];
      return { topic: topicFor(entry.device.id, 'rating'), bytes: Buffer.from(JSON.stringify({ v: 1, id: randomUUID(), level: LEVEL_KEYS[i % 4], at: new Date(Date.now() - 60_000).toISOString(), time: 'synced', boot: 'b', seq: i })) };
    });
    runs.pipeline.push(await timed(async () => {
      for (let i = 0; i < N; i++) {
        c.ingest(msgs[i].topic, msgs[i].bytes);
        if (i % BATCH === BATCH - 1) await c.flush(); // let the writes run, as the event loop would between MQTT packets
      }
      await c.flush();
    }));
    const s = c.stats();
    if (s.stored !== N || s.acked !== N) throw new Error(`pipeline stored ${s.stored}, acked ${s.acked} of ${N}`);
    await c.close();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const raw = median(runs.raw);
for (const [k, xs] of Object.entries(runs)) {
  console.log(`${k.padEnd(9)} ${Math.round(median(xs)).toString().padStart(8)} points/s  (${(median(xs) / raw).toFixed(2)}× raw)  runs: ${xs.map((x) => Math.round(x)).join(', ')}`);
}
await influxd.stop();
await new Promise<void>((r) => broker.close(() => r()));
server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
