/**
 * The whole path at province scale (`npm run bench -- cluster-path`): rating boxes → haproxy → broker nodes on
 * Redis → collectors sharing the communes → InfluxDB, every rating checked stored exactly once by query.
 * Measured side by side in one run: 1 node + 1 collector, then 2 nodes + 2 collectors (the boxes spread over the
 * nodes by the balancer, the communes split between the collectors by their partition rule).
 * Records bench/results/cluster-path.json and .md. BENCH_PATH_BOXES × BENCH_PATH_EACH ratings (default 60 × 100).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { encode } from '../devices/contract/index.ts';
import { hashPassword } from '../devices/credentials.ts';
import { topicFor } from '../devices/topics.ts';
import { ServiceProcess } from '../infra/child.ts';
import { LocalHaproxy } from '../infra/haproxy.ts';
import { LocalRedis } from '../infra/redis-server.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { endAll, loadAverage, sleep, startNode } from './lib/cluster-kit.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };
const COLLECTORS = ['collector-a', 'collector-b'];

type Run = {
  nodes: number;
  collectors: number;
  ratings: number;
  seconds: number;
  perSecond: number;
  stored: number;
  distinct: number;
  doubles: number;
};

async function influxCount(url: string, db: string): Promise<{ points: number; distinct: number }> {
  const q = `SELECT count("value") AS "points", count(distinct("id")) AS "distinct" FROM "rating"`;
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: { columns: string[]; values: number[][] }[] }[] };
  const s = body.results[0]?.series?.[0];
  if (!s) return { points: 0, distinct: 0 };
  const row = s.values[0]!;
  return { points: row[s.columns.indexOf('points')]!, distinct: row[s.columns.indexOf('distinct')]! };
}

export async function runClusterPathBench(opts: { influxUrl: string }) {
  const boxesN = Number(process.env.BENCH_PATH_BOXES ?? 60);
  const each = Number(process.env.BENCH_PATH_EACH ?? 100);
  const dir = mkdtempSync(join(tmpdir(), 'tt-path-'));
  const demo = await demoRegistry({
    communes: Math.ceil(boxesN / 6) + 1,
    countersPerCommune: 6,
    hamletsPerCommune: 1,
    cost: CHEAP,
  });
  const secrets: Record<string, string> = { ...demo.secrets };
  for (const id of COLLECTORS) {
    secrets[id] = randomBytes(12).toString('base64url');
    demo.file.services.push({ id, role: 'collector', passwordHash: await hashPassword(secrets[id]!, CHEAP) });
  }
  const registryPath = join(dir, 'registry.yaml');
  writeFileSync(registryPath, stringify(demo.file));
  const boxes = demo.file.provinces
    .flatMap((p) => p.communes.flatMap((c) => c.devices))
    .filter((d) => d.kind === 'rating-box')
    .slice(0, boxesN)
    .map((d) => d.id);
  const secretFile = join(dir, 'auth.secret');
  writeFileSync(secretFile, randomBytes(32).toString('hex'));
  const loadAtStart = loadAverage();
  const runs: Run[] = [];
  for (const [nodes, collectors] of [
    [1, 1],
    [2, 2],
  ] as const)
    runs.push(await onePath(dir, registryPath, secretFile, secrets, boxes, each, nodes, collectors, opts.influxUrl));
  rmSync(dir, { recursive: true, force: true });
  const result = { boxes: boxes.length, each, loadAtStart, loadAtEnd: loadAverage(), runs };
  record(result);
  return result;
}

async function onePath(
  dir: string,
  registryPath: string,
  secretFile: string,
  secrets: Record<string, string>,
  boxes: string[],
  each: number,
  nodeCount: number,
  collectorCount: number,
  influxUrl: string,
): Promise<Run> {
  const tag = `${nodeCount}n${collectorCount}c`;
  const redis = new LocalRedis(join(dir, `redis-${tag}`));
  const started: ServiceProcess[] = [];
  const haproxy: LocalHaproxy[] = [];
  const clients: MqttClient[] = [];
  const database = `bench_path_${tag}_${process.pid}`;
  try {
    await redis.start();
    const nodes = [];
    for (let i = 0; i < nodeCount; i++)
      nodes.push(await startNode(started, dir, `${tag}-${i}`, registryPath, { redisUrl: redis.url, secretFile }));
    const lb = new LocalHaproxy({
      dir: join(dir, `haproxy-${tag}`),
      nodes: nodes.map((n, i) => ({ name: `n${i}`, port: n.port })),
      balance: 'roundrobin',
      checkIntervalMs: 500,
    });
    haproxy.push(lb);
    await lb.start();
    const members = collectorCount === 1 ? ['collector'] : COLLECTORS;
    for (const id of members) {
      const cfg = join(dir, `${tag}-${id}.yaml`);
      writeFileSync(
        cfg,
        stringify({
          broker: { url: lb.url, username: id, password: secrets[id] },
          influx: { url: influxUrl, database, rawRetention: '30d' },
          registryPath,
          spoolDir: join(dir, `spool-${tag}-${id}`),
          clientId: id,
          ...(collectorCount > 1 ? { partition: { redisUrl: redis.url, leaseMs: 3000 } } : {}),
        }),
      );
      const proc = new ServiceProcess(`${tag}-${id}`, ['collector/main.ts', '--config', cfg], /collector started/);
      started.push(proc);
      await proc.start();
    }
    if (collectorCount > 1) {
      // both members see each other before the load starts: the split is settled
      const deadline = Date.now() + 30_000;
      while (
        started.filter((p) => p.output.some((l) => l.includes('partition share ready'))).length < collectorCount &&
        Date.now() < deadline
      )
        await sleep(200);
      await sleep(4000);
    }
    for (const id of boxes) {
      clients.push(
        await mqtt.connectAsync(lb.url, {
          clientId: id,
          username: id,
          password: secrets[id],
          protocolVersion: 4,
          keepalive: 30,
          reconnectPeriod: 500,
        }),
      );
    }
    const total = boxes.length * each;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        for (let k = 0; k < each; k++) {
          const body = encode('rating', {
            v: 1,
            id: randomUUID(),
            level: 'hai-long',
            at: new Date(Date.now() - 60_000 + k).toISOString(),
            time: 'synced',
            boot: 'bench',
            seq: k,
          });
          await c.publishAsync(topicFor(boxes[i]!, 'rating'), body, { qos: 1 });
        }
      }),
    );
    let counts = { points: 0, distinct: 0 };
    while (performance.now() - t0 < 300_000) {
      counts = await influxCount(influxUrl, database).catch(() => counts);
      if (counts.distinct >= total) break;
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    await sleep(2000); // a late double would show now
    counts = await influxCount(influxUrl, database);
    return {
      nodes: nodeCount,
      collectors: collectorCount,
      ratings: total,
      seconds,
      perSecond: counts.distinct / seconds,
      stored: counts.points,
      distinct: counts.distinct,
      doubles: counts.points - counts.distinct,
    };
  } finally {
    await endAll(clients);
    await Promise.all(started.map((p) => p.stop()));
    await Promise.all(haproxy.map((h) => h.stop()));
    await redis.stop();
  }
}

function record(r: { boxes: number; each: number; loadAtStart: number[]; loadAtEnd: number[]; runs: Run[] }) {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const [one, two] = r.runs as [Run, Run];
  const md = [
    `# Whole path at province scale (${new Date().toISOString().slice(0, 10)})`,
    '',
    `${r.boxes} rating boxes × ${r.each} ratings (QoS 1) through haproxy, broker nodes on Redis, collectors, InfluxDB; ` +
      `load average ${r.loadAtStart.join(' / ')} at start, ${r.loadAtEnd.join(' / ')} at the end (shared 2-core machine: other work may run): ` +
      'absolute rates are pessimistic, the ratio was measured side by side in one run. Every process runs on the same 2 cores.',
    '',
    '| path | ratings | until all stored | stored/s | points | distinct ids | doubles | lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.runs.map(
      (x) =>
        `| ${x.nodes} node${x.nodes > 1 ? 's' : ''}, ${x.collectors} collector${x.collectors > 1 ? 's' : ''} | ${x.ratings} | ${f(x.seconds)} s | ${f(x.perSecond, 0)} | ${x.stored} | ${x.distinct} | ${x.doubles} | ${x.ratings - x.distinct} |`,
    ),
    '',
    `2 nodes + 2 collectors vs 1 + 1: ${f(two.perSecond / one.perSecond, 2)}× (stored exactly once: ${r.runs.every((x) => x.doubles === 0 && x.distinct === x.ratings) ? 'yes' : '**no**'}).`,
    '',
  ].join('\n');
  console.log(md);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster-path.json'), `${JSON.stringify({ at: new Date().toISOString(), ...r }, null, 2)}\n`);
  writeFileSync(join(dir, 'cluster-path.md'), md);
}
