import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeviceFleet, percentile, type LoadDevice } from './devices-load.ts';
import { startBareAedes, startNaive, startProjectBroker, startProjectCollector } from './setup.ts';
import { influxClient } from '../../infra/influx-client.ts';

export type Ctx = {
  dir: string;
  influxUrl: string;
  registryPath: string;
  boxes: LoadDevice[];
  secrets: Record<string, string>;
  quick: boolean;
};

/** the project's collector on `brokerUrl`, for this run's registry and InfluxDB, writing `database` */
const projectCollector = (ctx: Ctx, brokerUrl: string, database: string) =>
  startProjectCollector({
    dir: ctx.dir,
    brokerUrl,
    password: ctx.secrets.collector,
    registryPath: ctx.registryPath,
    influxUrl: ctx.influxUrl,
    database,
  });

/** count and distinct ids of the ratings stored: lost = sent - distinct, doubled = count - distinct */
async function storedCounts(url: string, database: string): Promise<{ points: number; distinct: number }> {
  const influx = influxClient(url, database);
  const [c] = await influx.query<{ n: number }>('SELECT count("value") AS n FROM "rating"');
  const [d] = await influx.query<{ n: number }>('SELECT count(distinct("id")) AS n FROM "rating"');
  return { points: c?.n ?? 0, distinct: d?.n ?? 0 };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Messages/s through one broker process, and the broker's own CPU seconds per 1,000 messages. On a 2-core
 * machine the 120 client connections (one process) saturate a core before the broker does, so the
 * throughput ratio mostly measures the load generator; the CPU cost per message is the broker's capacity.
 */
async function brokerRate(
  url: string,
  pid: number,
  boxes: LoadDevice[],
  subscriber: { username?: string; password?: string },
  perDevice: number,
): Promise<{ perSecond: number; cpuMsPerThousand: number }> {
  const mqtt = (await import('mqtt')).default;
  const total = boxes.length * perDevice;
  const sub = mqtt.connect(url, {
    clientId: subscriber.username ?? 'bench-sub',
    username: subscriber.username,
    password: subscriber.password,
    protocolVersion: 4,
  });
  let received = 0;
  sub.on('message', () => received++);
  await new Promise<void>((resolve, reject) => {
    sub.once('connect', () => sub.subscribe('tt/v1/+/rating', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    sub.once('error', reject);
  });
  const fleet = new DeviceFleet(url, boxes);
  await fleet.connect(false);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await fleet.flood(perDevice);
  while (received < total && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  await fleet.close();
  await sub.endAsync(true);
  if (received < total) throw new Error(`broker bench: ${received}/${total} received`);
  return { perSecond: total / seconds, cpuMsPerThousand: (cpu * 1e6) / total };
}

/** 2. Same load (120 connections, QoS 1) through bare aedes and through the project broker, each its own process. */
export async function runBrokerBench(ctx: Ctx) {
  const perDevice = ctx.quick ? 100 : 500;
  const rounds = ctx.quick ? 1 : 3;
  const bare: { perSecond: number; cpuMsPerThousand: number }[] = [];
  const project: { perSecond: number; cpuMsPerThousand: number }[] = [];
  const runBare = async () => {
    const b = await startBareAedes();
    bare.push(
      await brokerRate(
        b.url,
        b.proc.pid!,
        ctx.boxes.map((d) => ({ id: d.id })),
        {},
        perDevice,
      ),
    );
    await b.proc.stop();
  };
  const runProject = async () => {
    const p = await startProjectBroker(ctx.dir, ctx.registryPath);
    project.push(
      await brokerRate(
        p.url,
        p.proc.pid!,
        ctx.boxes,
        { username: 'collector', password: ctx.secrets.collector },
        perDevice,
      ),
    );
    await p.proc.stop();
  };
  for (let r = 0; r < rounds; r++) {
    // alternate which goes first: a fixed order favours one of them
    const order = r % 2 === 0 ? [runBare, runProject] : [runProject, runBare];
    for (const run of order) await run();
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const bareRate = median(bare.map((x) => x.perSecond));
  const projectRate = median(project.map((x) => x.perSecond));
  const bareCpu = median(bare.map((x) => x.cpuMsPerThousand));
  const projectCpu = median(project.map((x) => x.cpuMsPerThousand));
  return {
    connections: ctx.boxes.length,
    messages: ctx.boxes.length * perDevice,
    bareAedesPerSecond: bareRate,
    projectPerSecond: projectRate,
    throughputRatio: projectRate / bareRate,
    bareCpuMsPerThousand: bareCpu,
    projectCpuMsPerThousand: projectCpu,
    /** capacity: messages per broker CPU second, project / bare */
    ratio: bareCpu / projectCpu,
    rounds: { bare, project },
  };
}

/** 3. Sustained storage rate: flood from 120 devices; naive (bare aedes + batching subscriber) vs the whole path. */
export async function runPathBench(ctx: Ctx) {
  const perDevice = ctx.quick ? 100 : 500;
  const total = ctx.boxes.length * perDevice;
  // naive
  const bare = await startBareAedes();
  const naiveDb = `naive_${randomUUID().slice(0, 8)}`;
  const naive = await startNaive(bare.url, ctx.influxUrl, naiveDb);
  const nf = new DeviceFleet(
    bare.url,
    ctx.boxes.map((d) => ({ id: d.id })),
  );
  await nf.connect();
  const n0 = performance.now();
  await nf.flood(perDevice);
  await nf.waitStored(total, 180_000);
  const naiveSeconds = (performance.now() - n0) / 1000;
  await nf.close();
  await naive.stop();
  await bare.proc.stop();
  const naiveCounts = await storedCounts(ctx.influxUrl, naiveDb);
  // whole path
  const broker = await startProjectBroker(ctx.dir, ctx.registryPath);
  const db = `path_${randomUUID().slice(0, 8)}`;
  const collector = await projectCollector(ctx, broker.url, db);
  const fleet = new DeviceFleet(broker.url, ctx.boxes);
  await fleet.connect();
  const t0 = performance.now();
  await fleet.flood(perDevice);
  const complete = await fleet.waitStored(total, 180_000);
  const seconds = (performance.now() - t0) / 1000;
  await fleet.close();
  await collector.stop();
  await broker.proc.stop();
  const counts = await storedCounts(ctx.influxUrl, db);
  return {
    sent: total,
    naive: { perSecond: naiveCounts.points / naiveSeconds, stored: naiveCounts.points, distinct: naiveCounts.distinct },
    wholePath: {
      perSecond: counts.distinct / seconds,
      complete,
      stored: counts.points,
      distinct: counts.distinct,
      lost: total - counts.distinct,
      doubled: counts.points - counts.distinct,
    },
    ratio: counts.distinct / seconds / (naiveCounts.points / naiveSeconds),
  };
}

/** 4. Press→queryable delay at a paced 2,000 ratings/s: the collector acks only after InfluxDB answered the write. */
export async function runLatencyBench(ctx: Ctx) {
  const rate = 2000;
  const seconds = ctx.quick ? 5 : 20;
  const run = async (kind: 'path' | 'naive') => {
    const db = `${kind}_lat_${randomUUID().slice(0, 8)}`;
    const broker = kind === 'path' ? await startProjectBroker(ctx.dir, ctx.registryPath) : await startBareAedes();
    const sink =
      kind === 'path' ? await projectCollector(ctx, broker.url, db) : await startNaive(broker.url, ctx.influxUrl, db);
    const fleet = new DeviceFleet(broker.url, kind === 'path' ? ctx.boxes : ctx.boxes.map((d) => ({ id: d.id })));
    await fleet.connect();
    const sent = await fleet.paced(rate, seconds);
    await fleet.waitStored(sent, 60_000);
    await fleet.close();
    await sink.stop();
    await broker.proc.stop();
    return {
      sent,
      stored: fleet.acked,
      p50Ms: percentile(fleet.delays, 50),
      p99Ms: percentile(fleet.delays, 99),
      maxMs: percentile(fleet.delays, 100),
    };
  };
  const path = await run('path');
  const naive = await run('naive');
  return { ratePerSecond: rate, seconds, wholePath: path, naive };
}
