import { randomUUID } from 'node:crypto';
import { InfluxDB, type IPoint } from 'influx';
import { InfluxWriter } from '../../collector/influx-writer.ts';
import { encodePoint } from '../../collector/line-protocol.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { RAW_RP } from '../../devices/storage/retention.ts';
import { idTimestampNs } from '../../collector/timestamp.ts';
import { LEVEL_KEYS, levelValue } from '../../devices/levels.ts';
import { loadRegistry } from '../../devices/registry/index.ts';

/**
 * The collector's write path (each point encoded with the influx package's schema coercion and escaping,
 * batches POSTed) against hand-built line protocol and the package's writePoints, with the same points.
 * Rounds rotate the order: influxd slows down as it fills, so a fixed order would favour the first.
 */
export async function runWritePathBench(opts: {
  influxUrl: string;
  registryPath: string;
  points: number;
  rounds: number;
}) {
  const registry = loadRegistry(opts.registryPath);
  const boxes = [...registry.devices.values()].filter((e) => e.device.kind === 'rating-box');
  const ext = new RatingExtension();
  const u = new URL(opts.influxUrl);
  const BATCH = 1000;
  const makePoints = (): IPoint[] => {
    const base = Date.now() - 3_600_000;
    return Array.from({ length: opts.points }, (_, i) => {
      const entry = boxes[i % boxes.length];
      const level = LEVEL_KEYS[i % 4];
      const id = randomUUID();
      return {
        measurement: 'rating',
        tags: { ...registry.deviceTags(entry), level, time_quality: 'synced' },
        fields: { value: levelValue(level), id },
        timestamp: idTimestampNs(base + i, id),
      };
    });
  };
  const fresh = async (name: string) => {
    const database = `${name}_${randomUUID().slice(0, 8)}`;
    const influx = new InfluxDB({
      host: u.hostname,
      port: Number(u.port),
      database,
      schema: ext.schema.map((s) => ({ ...s, database })),
    });
    await influx.createDatabase(database);
    await influx.createRetentionPolicy(RAW_RP, { database, duration: '30d', replication: 1, isDefault: true });
    const writer = new InfluxWriter({ url: opts.influxUrl, database, retentionPolicy: RAW_RP, timeoutMs: 30_000 });
    return { influx, database, writer };
  };
  const timed = async (fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    return opts.points / ((performance.now() - t0) / 1000);
  };
  /**
   * Like the collector's store: the next batch is encoded while the previous one is being written (one write
   * in flight). Raw line protocol gets the same pipelining, so only the encoding differs.
   */
  const pipelined = async (writer: InfluxWriter, count: number, body: (from: number, to: number) => string) => {
    let inFlight: Promise<void> = Promise.resolve();
    for (let i = 0; i < count; i += BATCH) {
      const text = body(i, Math.min(count, i + BATCH));
      await inFlight;
      inFlight = writer.write(text).then((r) => {
        if (r.kind !== 'ok') throw new Error(`write failed: ${r.kind}`);
      });
    }
    await inFlight;
  };
  const variants = {
    raw: async () => {
      const pts = makePoints();
      const { writer } = await fresh('raw');
      return timed(() =>
        pipelined(writer, pts.length, (from, to) => {
          let body = '';
          for (const p of pts.slice(from, to)) {
            const t = p.tags!;
            body += `rating,commune=${t.commune},counter=${t.counter},device=${t.device},kind=${t.kind},level=${t.level},province=${t.province},time_quality=${t.time_quality} id="${p.fields!.id}",value=${p.fields!.value}i ${p.timestamp}\n`;
          }
          return body;
        }),
      );
    },
    writePoints: async () => {
      const pts = makePoints();
      const { influx, database } = await fresh('pkg');
      return timed(async () => {
        // writePoints encodes inside the call, so it cannot overlap encoding with the previous write
        for (let i = 0; i < pts.length; i += BATCH)
          await influx.writePoints(pts.slice(i, i + BATCH), { database, retentionPolicy: RAW_RP });
      });
    },
    collector: async () => {
      const pts = makePoints();
      const { influx, database, writer } = await fresh('col');
      return timed(() =>
        pipelined(writer, pts.length, (from, to) =>
          pts
            .slice(from, to)
            .map((p) => encodePoint(influx, database, p))
            .join('\n'),
        ),
      );
    },
  };
  const names = Object.keys(variants) as (keyof typeof variants)[];
  const runs: Record<string, number[]> = { raw: [], writePoints: [], collector: [] };
  for (let round = 0; round < opts.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      runs[name].push(await variants[name]());
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const raw = median(runs.raw);
  return {
    points: opts.points,
    rounds: runs,
    rawPerSecond: raw,
    writePointsPerSecond: median(runs.writePoints),
    collectorPerSecond: median(runs.collector),
    ratio: median(runs.collector) / raw,
    writePointsRatio: median(runs.writePoints) / raw,
  };
}
