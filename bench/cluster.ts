/**
 * Province scale (`npm run bench -- cluster`): broker nodes on Redis against Debian's mosquitto as the C reference,
 * measured side by side in one run. Records bench/results/cluster.json and .md.
 *   - N authenticated device connections on one node: time to connect all, broker RSS per connection, heartbeat CPU;
 *     the same against bare aedes (no auth, ACL, guard or Redis) and mosquitto with a password file. RSS per
 *     connection is the growth from a warm node (a tenth of N connected first) to N, divided by the connections
 *     added: what one more device costs, read after a settle period (SETTLE_MS) with no forced collection (what the
 *     kernel sees in service). The growth from the idle node is recorded too; it also holds one-time costs
 *     (mqtt-packet's 64 K cache of encoded numbers, compiled code, V8's young generation growing to its size).
 *     The project node runs as its systemd unit runs it (node flags and environment read from the unit:
 *     --optimize-for-size, MALLOC_ARENA_MAX=2) and once without them, side by side; where the memory goes is
 *     bench/cluster-memory.ts.
 *   - reconnect storm: N devices at once to a freshly restarted node (shared verification cache warm), time until all
 *     online; without the cache, the scrypt bill is projected from the measured cost of one verification
 *   - QoS 1 fan-in throughput through 1 and 2 nodes
 *   - soak: RSS of a node and Redis memory sampled while devices publish (BENCH_SOAK_S, default 20 s; a full
 *     half-hour soak is BENCH_SOAK_S=1800)
 * BENCH_CLUSTER_N sets N (default 10,000; 2,000 with BENCH_QUICK=1).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { encode } from '../devices/contract/index.ts';
import { hashPassword, verifyPassword } from '../devices/credentials.ts';
import { topicFor } from '../devices/topics.ts';
import type { ServiceProcess } from '../infra/child.ts';
import { freePort } from '../infra/ports.ts';
import { LocalRedis } from '../infra/redis-server.ts';
import {
  benchFleet,
  connectAll,
  cpuS,
  deployedBrokerRuntime,
  endAll,
  loadAverage,
  rssKb,
  sleep,
  startMosquitto,
  startNode as startKitNode,
  type Device,
} from './lib/cluster-kit.ts';

/** how long a broker is left alone before its RSS is read (the same for every broker) */
const SETTLE_MS = Number(process.env.BENCH_CLUSTER_SETTLE_MS ?? 10_000);

/** RSS and CPU of one broker under N idle connections (keepalive `keepalive` s: the heartbeat load) */
async function connectionCost(pid: number, port: number, devices: Device[], keepalive: number, windowS: number) {
  const clients: MqttClient[] = [];
  await sleep(SETTLE_MS);
  const idleRss = rssKb(pid);
  const warm = Math.ceil(devices.length / 10);
  const first = await connectAll(port, devices.slice(0, warm), 200, keepalive, clients);
  await sleep(SETTLE_MS);
  const warmRss = rssKb(pid);
  const rest = await connectAll(port, devices.slice(warm), 200, keepalive, clients);
  await sleep(SETTLE_MS);
  const rss = rssKb(pid);
  const c0 = cpuS(pid);
  await sleep(windowS * 1000);
  const cpu = cpuS(pid) - c0;
  const connected = clients.filter((c) => c.connected).length;
  await endAll(clients);
  return {
    connections: devices.length,
    connected,
    connectSeconds: first.seconds + rest.seconds,
    connectRetries: first.retries + rest.retries,
    rssPerConnectionKb: (rss - warmRss) / (devices.length - warm),
    rssFromIdlePerConnectionKb: (rss - idleRss) / devices.length,
    rssMb: { idle: idleRss / 1024, warm: warmRss / 1024, full: rss / 1024 },
    heartbeatCpuPercent: (cpu / windowS) * 100,
    keepaliveS: keepalive,
  };
}

/** connections the kernel dropped because a listener's accept queue was full (all listeners, this machine) */
const listenDrops = () => {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  const names = lines[i]!.split(' ');
  return Number(lines[i + 1]!.split(' ')[names.indexOf('ListenDrops')]);
};

/** Redis calls by command since the last CONFIG RESETSTAT (the benchmark's own INFO and CONFIG left out) */
const redisCalls = (info: string): Record<string, number> =>
  Object.fromEntries(
    [...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
      .filter(([, k]) => k !== 'info' && k !== 'config')
      .map(([, k, v]) => [k!, Number(v)]),
  );

/** every node started, stopped in the end whatever failed */
const started: ServiceProcess[] = [];

/** as deployed (the unit's node flags and environment), unless `runtime` says otherwise */
const startNode = (
  dir: string,
  name: string,
  registryPath: string,
  redisUrl: string,
  secretFile: string,
  runtime: { nodeArgs: string[]; env: Record<string, string> } = deployedBrokerRuntime(),
) => startKitNode(started, dir, name, registryPath, { redisUrl, secretFile, ...runtime });

/** the reference: aedes with nothing of the project's (bench/procs/bare-aedes.ts) */
async function startBareAedes() {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/procs/bare-aedes.ts', String(port)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`bare aedes exited with ${code}`)));
  });
  return { proc, port, pid: proc.pid! };
}

/** QoS 1 fan-in: `publishers` devices publish `each` ratings, spread over the given nodes; one subscriber on the first */
async function fanIn(ports: number[], devices: Device[], collector: Device, each: number): Promise<number> {
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports[0]}`, {
    clientId: collector.id,
    username: collector.id,
    password: collector.password,
    protocolVersion: 4,
    clean: true,
  });
  let got = 0;
  sub.on('message', () => got++);
  await sub.subscribeAsync('tt/v1/+/rating', { qos: 1 });
  const pubs = await Promise.all(
    devices.map((d, i) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${ports[i % ports.length]}`, {
        clientId: d.id,
        username: d.id,
        password: d.password,
        protocolVersion: 4,
      }),
    ),
  );
  const total = devices.length * each;
  const t0 = performance.now();
  await Promise.all(
    pubs.map(async (c, i) => {
      for (let k = 0; k < each; k++) {
        const body = encode('rating', {
          v: 1,
          id: randomUUID(),
          level: 'hai-long',
          at: new Date().toISOString(),
          time: 'synced',
          boot: 'bench',
          seq: k,
        });
        await c.publishAsync(topicFor(devices[i].id, 'rating'), body, { qos: 1 });
      }
    }),
  );
  while (got < total && performance.now() - t0 < 120_000) await sleep(20);
  const seconds = (performance.now() - t0) / 1000;
  await endAll([sub, ...pubs]);
  return got / seconds;
}

export async function runClusterBench(opts: { quick: boolean; dir: string }) {
  const n = Number(process.env.BENCH_CLUSTER_N ?? (opts.quick ? 2000 : 10_000));
  const soakS = Number(process.env.BENCH_SOAK_S ?? 20);
  const dir = join(opts.dir, 'cluster');
  mkdirSync(dir, { recursive: true });
  const fleet = await benchFleet(dir, n);
  const { registryPath, all, collector } = fleet;
  const devices: Device[] = all.slice(0, n);
  const boxes: Device[] = all.filter((d) => d.kind === 'rating-box'); // only rating boxes may publish ratings
  const secretFile = join(dir, 'auth.secret');
  writeFileSync(secretFile, randomBytes(32).toString('hex'));
  const redis = new LocalRedis(join(dir, 'redis'));
  await redis.start();
  const rcli = new Redis(redis.url);
  const result: Record<string, unknown> = {
    n,
    underLoad: `on the shared development machine (other work may run), load average ${loadAverage().join(' / ')} at start`,
  };
  try {
    // 1. connections: project node (as deployed, and without the unit's memory settings) vs bare aedes and mosquitto
    result.runtime = deployedBrokerRuntime();
    const plain = await startNode(dir, 'plain', registryPath, redis.url, secretFile, { nodeArgs: [], env: {} });
    result.projectWithoutUnitSettings = await connectionCost(plain.pid, plain.port, devices, 10, 10);
    await plain.proc.stop();
    const bare = await startBareAedes();
    try {
      result.bareAedes = await connectionCost(bare.pid, bare.port, devices, 10, 10);
    } finally {
      bare.proc.kill('SIGTERM');
    }
    const a = await startNode(dir, 'a', registryPath, redis.url, secretFile);
    result.project = await connectionCost(a.pid, a.port, devices, 10, 10);
    const mq = await startMosquitto(dir, devices);
    try {
      result.mosquitto = await connectionCost(mq.pid, mq.port, devices, 10, 10);
    } finally {
      mq.proc.kill('SIGTERM');
    }

    // 2. reconnect storm: node a dies, a fresh node b (empty local cache) takes all N at once
    await a.proc.kill();
    const stormNode = await startNode(dir, 'storm', registryPath, redis.url, secretFile);
    const storm: MqttClient[] = [];
    // where the storm's CPU goes: the node, the N mqtt.js clients (this process), Redis; and what Redis was asked
    await rcli.config('RESETSTAT');
    const before = { load: loadAverage(), node: cpuS(stormNode.pid), redis: cpuS(redis.pid!), listen: listenDrops() };
    const clients0 = process.cpuUsage();
    const s = await connectAll(stormNode.port, devices, devices.length, 60, storm);
    const clientsCpu = process.cpuUsage(clients0);
    const commands = redisCalls(await rcli.info('commandstats'));
    result.storm = {
      seconds: s.seconds,
      retries: s.retries,
      retryReasons: s.retryReasons,
      connections: devices.length,
      connected: storm.filter((c) => c.connected).length,
      loadAverageAtStart: before.load,
      loadAverage: loadAverage(),
      cpuSeconds: {
        node: cpuS(stormNode.pid) - before.node,
        clients: (clientsCpu.user + clientsCpu.system) / 1e6,
        redis: cpuS(redis.pid!) - before.redis,
      },
      redisCommandsPerConnect: Object.fromEntries(Object.entries(commands).map(([k, v]) => [k, v / devices.length])),
      listenQueueDrops: listenDrops() - before.listen,
    };
    await endAll(storm);
    await stormNode.proc.stop();
    // what the node did: its own counts, logged at stop (scrypt runs, cache hits and timeouts, logins refused busy)
    const atStop = stormNode.proc.output.map((l) => /"broker stats at stop"/.test(l) && JSON.parse(l)).find(Boolean);
    Object.assign(result.storm as object, {
      passwordVerifications: atStop?.stats?.passwordVerifications,
      refusedBusy: atStop?.stats?.refusals?.['auth-busy'],
      sharedAuth: atStop?.cluster?.sharedAuth,
    });
    const b = await startNode(dir, 'b', registryPath, redis.url, secretFile);
    const cost = { N: 16384, r: 8, p: 1 };
    const hash = await hashPassword('bench-password', cost);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await verifyPassword('bench-password', hash);
    const scryptMs = (performance.now() - t0) / 10;
    (result.storm as Record<string, unknown>).withoutSharedCacheProjectedSeconds =
      (devices.length * scryptMs) / 1000 / 2; // 2 cores, admission 2
    (result.storm as Record<string, unknown>).scryptMsPerVerification = scryptMs;

    // 3. QoS 1 fan-in through 1 and 2 nodes
    const c = await startNode(dir, 'c', registryPath, redis.url, secretFile);
    const pubs = boxes.slice(0, 50);
    const each = opts.quick ? 100 : 400;
    result.fanIn = {
      publishers: pubs.length,
      each,
      oneNodePerSecond: await fanIn([b.port], pubs, collector, each),
      twoNodesPerSecond: await fanIn([b.port, c.port], pubs, collector, each),
    };

    // 4. soak: RSS and Redis memory while devices publish
    const soakClients: MqttClient[] = [];
    await connectAll(b.port, devices.slice(0, Math.min(1000, n)), 100, 30, soakClients);
    const samples: { s: number; rssKb: number; redisBytes: number }[] = [];
    const tick = setInterval(() => {
      for (const [i, cl] of soakClients.entries())
        if (i % 10 === 0)
          cl.publish(
            topicFor(devices[i].id, 'state'),
            encode('state', {
              v: 1,
              at: new Date().toISOString(),
              clockSynced: true,
              boot: 'soak',
              uptimeS: samples.length,
              version: 'bench',
              outboxDepth: 0,
            }),
            { qos: 1, retain: true },
          );
    }, 1000);
    const start = performance.now();
    while ((performance.now() - start) / 1000 < soakS) {
      const info = await rcli.info('memory');
      samples.push({
        s: Math.round((performance.now() - start) / 1000),
        rssKb: rssKb(b.pid),
        redisBytes: Number(/used_memory:(\d+)/.exec(info)![1]),
      });
      await sleep(Math.max(1000, (soakS * 1000) / 20));
    }
    clearInterval(tick);
    await endAll(soakClients);
    result.soak = { seconds: soakS, samples, fullRun: 'BENCH_SOAK_S=1800 npm run bench -- cluster' };
    await Promise.all([b.proc.stop(), c.proc.stop()]);
  } finally {
    await Promise.all(started.splice(0).map((p) => p.stop()));
    await rcli.quit().catch(() => undefined);
    await redis.stop();
  }
  record(result);
  return result;
}

function record(r: Record<string, any>): void {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const p = r.project;
  const m = r.mosquitto;
  const soak = r.soak.samples as { s: number; rssKb: number; redisBytes: number }[];
  const b = r.bareAedes;
  const y = r.projectWithoutUnitSettings;
  const flags = [...r.runtime.nodeArgs, ...Object.entries(r.runtime.env).map(([k, v]) => `${k}=${v}`)].join(', ');
  const md = [
    `# Province scale benchmark (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Measured ${r.underLoad}: absolute times are pessimistic, ratios were measured side by side in one run.`,
    '',
    `The project node runs as its systemd unit runs it (${flags}); RSS is read after ${SETTLE_MS / 1000} s alone, with no forced collection, the same for every broker. Where the memory goes: \`cluster-memory.md\`.`,
    '',
    '| measure | project node (aedes on Redis) | bare aedes (memory, no auth) | mosquitto (C reference) | target |',
    '| --- | --- | --- | --- | --- |',
    `| ${r.n} authenticated connections: time to connect all (200 CONNECTs in flight) | ${f(p.connectSeconds)} s (${p.connected} connected) | ${f(b.connectSeconds)} s | ${f(m.connectSeconds)} s | |`,
    `| broker RSS per connection (warm node: ${r.n / 10} → ${r.n}) | ${f(p.rssPerConnectionKb)} KB | ${f(b.rssPerConnectionKb)} KB | ${f(m.rssPerConnectionKb)} KB | ≤ 10 KB: **${p.rssPerConnectionKb <= 10 ? 'met' : 'missed'}** |`,
    `| broker RSS growth from idle ÷ ${r.n} (one-time costs included) | ${f(p.rssFromIdlePerConnectionKb)} KB | ${f(b.rssFromIdlePerConnectionKb)} KB | ${f(m.rssFromIdlePerConnectionKb)} KB | |`,
    `| broker RSS: idle → warm → ${r.n} | ${f(p.rssMb.idle, 0)} → ${f(p.rssMb.warm, 0)} → ${f(p.rssMb.full, 0)} MB | ${f(b.rssMb.idle, 0)} → ${f(b.rssMb.warm, 0)} → ${f(b.rssMb.full, 0)} MB | ${f(m.rssMb.idle, 0)} → ${f(m.rssMb.warm, 0)} → ${f(m.rssMb.full, 0)} MB | |`,
    `| the same project node without the unit's memory settings: per connection; from idle ÷ ${r.n}; RSS idle → warm → ${r.n} | ${f(y.rssPerConnectionKb)} KB; ${f(y.rssFromIdlePerConnectionKb)} KB; ${f(y.rssMb.idle, 0)} → ${f(y.rssMb.warm, 0)} → ${f(y.rssMb.full, 0)} MB (connect ${f(y.connectSeconds)} s, heartbeat ${f(y.heartbeatCpuPercent)} %) | | | |`,
    `| heartbeat CPU (keepalive ${p.keepaliveS} s, idle) | ${f(p.heartbeatCpuPercent)} % of a core | ${f(b.heartbeatCpuPercent)} % | ${f(m.heartbeatCpuPercent)} % | |`,
    `| reconnect storm: ${r.storm.connections} at once to a freshly restarted node, shared cache warm | ${f(r.storm.seconds)} s (${r.storm.connected} online, ${r.storm.retries} retried${r.storm.retries ? ` ${JSON.stringify(r.storm.retryReasons)}` : ''}; cache ${r.storm.sharedAuth ? `${r.storm.sharedAuth.hits} hits, ${r.storm.sharedAuth.timeouts} timeouts, ${r.storm.sharedAuth.errors} errors` : 'counts n/a'}; ${r.storm.passwordVerifications ?? 'n/a'} scrypt runs; load ${r.storm.loadAverageAtStart.join(' / ')} at its start, ${r.storm.loadAverage.join(' / ')} at its end) | | | ≤ 30 s: **${r.storm.seconds <= 30 ? 'met' : 'missed'}** |`,
    `| storm CPU: node; the ${r.storm.connections} mqtt.js clients (in the benchmark's process, on the same 2 cores); Redis | ${f(r.storm.cpuSeconds.node)} s (${f((r.storm.cpuSeconds.node / r.storm.seconds) * 100, 0)} % of a core over the storm); ${f(r.storm.cpuSeconds.clients)} s; ${f(r.storm.cpuSeconds.redis)} s | | | |`,
    `| storm: Redis commands per CONNECT; connections the kernel dropped from full accept queues (retried by TCP) | ${f(
      Object.values(r.storm.redisCommandsPerConnect as Record<string, number>).reduce((a, b) => a + b, 0),
      2,
    )} (${Object.entries(r.storm.redisCommandsPerConnect as Record<string, number>)
      .map(([k, v]) => `${k} ${f(v, 2)}`)
      .join(', ')}); ${r.storm.listenQueueDrops} | | | |`,
    `| same without the shared cache (projected: ${f(r.storm.scryptMsPerVerification)} ms scrypt each, 2 cores) | ${f(r.storm.withoutSharedCacheProjectedSeconds)} s | | | |`,
    `| QoS 1 fan-in, ${r.fanIn.publishers} publishers × ${r.fanIn.each} | 1 node: ${f(r.fanIn.oneNodePerSecond, 0)}/s; 2 nodes: ${f(r.fanIn.twoNodesPerSecond, 0)}/s (${f(r.fanIn.twoNodesPerSecond / r.fanIn.oneNodePerSecond, 2)}×) | | | |`,
    `| soak ${r.soak.seconds} s, 1,000 devices heartbeating: node RSS first → last | ${f(soak[0].rssKb / 1024)} → ${f(soak.at(-1)!.rssKb / 1024)} MB | | | |`,
    `| soak: Redis used memory first → last | ${f(soak[0].redisBytes / 1048576, 2)} → ${f(soak.at(-1)!.redisBytes / 1048576, 2)} MB | | | |`,
    '',
    'The long soak is its own part: `BENCH_SOAK_S=1800 npm run bench -- cluster-soak` (bench/results/cluster-soak.md).',
    '',
  ].join('\n');
  console.log(md);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify({ at: new Date().toISOString(), ...r }, null, 2)}\n`);
  writeFileSync(join(dir, 'cluster.md'), md);
}
