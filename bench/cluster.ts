/**
 * Province scale (`npm run bench -- cluster`): broker nodes on Redis against Debian's mosquitto as the C reference,
 * measured side by side in one run. Records bench/results/cluster.json and .md.
 *   - N authenticated device connections on one node: time to connect all, broker RSS per connection, heartbeat CPU;
 *     the same against mosquitto with a password file
 *   - reconnect storm: N devices at once to a freshly restarted node (shared verification cache warm), time until all
 *     online; without the cache, the scrypt bill is projected from the measured cost of one verification
 *   - QoS 1 fan-in throughput through 1 and 2 nodes
 *   - soak: RSS of a node and Redis memory sampled while devices publish (BENCH_SOAK_S, default 20 s; a full
 *     half-hour soak is BENCH_SOAK_S=1800)
 * BENCH_CLUSTER_N sets N (default 10,000; 2,000 with BENCH_QUICK=1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { encode } from '../devices/contract/index.ts';
import { hashPassword, verifyPassword } from '../devices/credentials.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { topicFor } from '../devices/topics.ts';
import { ServiceProcess } from '../infra/child.ts';
import { freePort } from '../infra/ports.ts';
import { LocalRedis } from '../infra/redis-server.ts';

type Device = { id: string; password: string };

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** connect every device, `parallel` CONNECTs in flight at once; resolves with the seconds it took */
async function connectAll(port: number, devices: Device[], parallel: number, keepalive: number, out: MqttClient[]): Promise<{ seconds: number; retries: number }> {
  const t0 = performance.now();
  let next = 0;
  let retries = 0;
  const one = (d: Device) =>
    new Promise<void>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: d.id, username: d.id, password: d.password, protocolVersion: 4, keepalive, reconnectPeriod: 500, connectTimeout: 60_000, clean: true });
      c.once('connect', () => resolve());
      c.on('error', () => retries++); // "server unavailable" (admission) or a timeout: mqtt.js retries
      out.push(c);
    });
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < devices.length) await one(devices[next++]);
  }));
  return { seconds: (performance.now() - t0) / 1000, retries };
}

const endAll = async (clients: MqttClient[]) => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  clients.length = 0;
};

/** RSS and CPU of one broker under N idle connections (keepalive `keepalive` s: the heartbeat load) */
async function connectionCost(pid: number, port: number, devices: Device[], keepalive: number, windowS: number) {
  const clients: MqttClient[] = [];
  await sleep(500);
  const idleRss = rssKb(pid);
  const { seconds, retries } = await connectAll(port, devices, 200, keepalive, clients);
  await sleep(1000);
  const rss = rssKb(pid);
  const c0 = cpuS(pid);
  await sleep(windowS * 1000);
  const cpu = cpuS(pid) - c0;
  await endAll(clients);
  return {
    connections: devices.length,
    connectSeconds: seconds,
    connectRetries: retries,
    rssPerConnectionKb: (rss - idleRss) / devices.length,
    heartbeatCpuPercent: (cpu / windowS) * 100,
    keepaliveS: keepalive,
  };
}

/** every node started, stopped in the end whatever failed */
const started: ServiceProcess[] = [];

async function startNode(dir: string, name: string, registryPath: string, redisUrl: string, secretFile: string) {
  const port = await freePort();
  const path = join(dir, `node-${name}.yaml`);
  writeFileSync(path, stringify({
    host: '127.0.0.1', port, registryPath, statsIntervalMs: 10_000,
    persistence: { kind: 'redis', url: redisUrl },
    cluster: { nodeName: name },
    sharedAuthCache: { url: redisUrl, secretFile },
    authCacheSize: 20_000,
  }));
  const proc = new ServiceProcess(`broker-${name}`, ['broker/main.ts', '--config', path], /broker listening/);
  started.push(proc);
  await proc.start();
  return { proc, port, pid: proc.pid! };
}

async function startMosquitto(dir: string, devices: Device[]) {
  const port = await freePort();
  const pw = join(dir, 'mosquitto.passwd');
  writeFileSync(pw, devices.map((d) => `${d.id}:${d.password}`).join('\n') + '\n');
  const hashed = spawnSync('mosquitto_passwd', ['-U', pw]);
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd: ${hashed.stderr}`);
  const conf = join(dir, 'mosquitto.conf');
  // run as whoever runs the bench (as root mosquitto would switch to its own user, which cannot read our temp dir)
  writeFileSync(conf, [...(process.getuid?.() === 0 ? ['user root'] : []), `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${pw}`, 'persistence false', 'max_keepalive 65535', 'log_type error', ''].join('\n'));
  const proc = spawn('bash', ['-c', `ulimit -n 20000; exec mosquitto -c ${conf}`], { stdio: 'ignore' });
  await sleep(800);
  if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}`);
  return { proc, port, pid: proc.pid! }; // exec: the shell became mosquitto
}

/** QoS 1 fan-in: `publishers` devices publish `each` ratings, spread over the given nodes; one subscriber on the first */
async function fanIn(ports: number[], devices: Device[], collector: Device, each: number): Promise<number> {
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports[0]}`, { clientId: collector.id, username: collector.id, password: collector.password, protocolVersion: 4, clean: true });
  let got = 0;
  sub.on('message', () => got++);
  await sub.subscribeAsync('tt/v1/+/rating', { qos: 1 });
  const pubs = await Promise.all(devices.map((d, i) => mqtt.connectAsync(`mqtt://127.0.0.1:${ports[i % ports.length]}`, { clientId: d.id, username: d.id, password: d.password, protocolVersion: 4 })));
  const total = devices.length * each;
  const t0 = performance.now();
  await Promise.all(pubs.map(async (c, i) => {
    for (let k = 0; k < each; k++) {
      const body = encode('rating', { v: 1, id: randomUUID(), level: 'hai-long', at: new Date().toISOString(), time: 'synced', boot: 'bench', seq: k });
      await c.publishAsync(topicFor(devices[i].id, 'rating'), body, { qos: 1 });
    }
  }));
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
  // cheap hashes for the registry (10k real ones take minutes to make); the real cost is measured below
  const demo = await demoRegistry({ communes: Math.ceil(n / 10), hamletsPerCommune: 4, countersPerCommune: 6, cost: { N: 1024, r: 8, p: 1 } });
  const registryPath = join(dir, 'registry.yaml');
  writeFileSync(registryPath, demo.yaml);
  const all = demo.file.provinces.flatMap((p) => p.communes.flatMap((c) => c.devices.map((d) => ({ id: d.id, password: demo.secrets[d.id], kind: d.kind }))));
  const devices: Device[] = all.slice(0, n);
  const boxes: Device[] = all.filter((d) => d.kind === 'rating-box'); // only rating boxes may publish ratings
  const collector = { id: 'collector', password: demo.secrets.collector };
  const secretFile = join(dir, 'auth.secret');
  writeFileSync(secretFile, randomBytes(32).toString('hex'));
  const redis = new LocalRedis(join(dir, 'redis'));
  await redis.start();
  const rcli = new Redis(redis.url);
  const result: Record<string, unknown> = { n, underLoad: `shared machine: 8 developers at once, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} at start` };
  try {
    // 1. connections: project node vs mosquitto, side by side
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
    const b = await startNode(dir, 'b', registryPath, redis.url, secretFile);
    const storm: MqttClient[] = [];
    const s = await connectAll(b.port, devices, devices.length, 60, storm);
    result.storm = { seconds: s.seconds, retries: s.retries, connections: devices.length };
    await endAll(storm);
    const cost = { N: 16384, r: 8, p: 1 };
    const hash = await hashPassword('bench-password', cost);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await verifyPassword('bench-password', hash);
    const scryptMs = (performance.now() - t0) / 10;
    (result.storm as Record<string, unknown>).withoutSharedCacheProjectedSeconds = (devices.length * scryptMs) / 1000 / 2; // 2 cores, admission 2
    (result.storm as Record<string, unknown>).scryptMsPerVerification = scryptMs;

    // 3. QoS 1 fan-in through 1 and 2 nodes
    const c = await startNode(dir, 'c', registryPath, redis.url, secretFile);
    const pubs = boxes.slice(0, 50);
    const each = opts.quick ? 100 : 400;
    result.fanIn = { publishers: pubs.length, each, oneNodePerSecond: await fanIn([b.port], pubs, collector, each), twoNodesPerSecond: await fanIn([b.port, c.port], pubs, collector, each) };

    // 4. soak: RSS and Redis memory while devices publish
    const soakClients: MqttClient[] = [];
    await connectAll(b.port, devices.slice(0, Math.min(1000, n)), 100, 30, soakClients);
    const samples: { s: number; rssKb: number; redisBytes: number }[] = [];
    const tick = setInterval(() => {
      for (const [i, cl] of soakClients.entries()) if (i % 10 === 0) cl.publish(topicFor(devices[i].id, 'state'), encode('state', { v: 1, at: new Date().toISOString(), clockSynced: true, boot: 'soak', uptimeS: samples.length, version: 'bench', outboxDepth: 0 }), { qos: 1, retain: true });
    }, 1000);
    const start = performance.now();
    while ((performance.now() - start) / 1000 < soakS) {
      const info = await rcli.info('memory');
      samples.push({ s: Math.round((performance.now() - start) / 1000), rssKb: rssKb(b.pid), redisBytes: Number(/used_memory:(\d+)/.exec(info)![1]) });
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

function record(r: Record<string, any>): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const p = r.project;
  const m = r.mosquitto;
  const soak = r.soak.samples as { s: number; rssKb: number; redisBytes: number }[];
  const md = [
    `# Province scale benchmark (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Measured ${r.underLoad}: absolute times are pessimistic, ratios were measured side by side in one run.`,
    '',
    '| measure | project node (aedes on Redis) | mosquitto (C reference) | target |',
    '| --- | --- | --- | --- |',
    `| ${r.n} authenticated connections: time to connect all (200 CONNECTs in flight) | ${f(p.connectSeconds)} s | ${f(m.connectSeconds)} s | |`,
    `| broker RSS per connection | ${f(p.rssPerConnectionKb)} KB | ${f(m.rssPerConnectionKb)} KB | ≤ 10 KB: **${p.rssPerConnectionKb <= 10 ? 'met' : 'missed'}** |`,
    `| heartbeat CPU (keepalive ${p.keepaliveS} s, idle) | ${f(p.heartbeatCpuPercent)} % of a core | ${f(m.heartbeatCpuPercent)} % | |`,
    `| reconnect storm: ${r.storm.connections} at once to a freshly restarted node, shared cache warm | ${f(r.storm.seconds)} s (${r.storm.retries} busy/timeouts retried) | | ≤ 30 s: **${r.storm.seconds <= 30 ? 'met' : 'missed'}** |`,
    `| same without the shared cache (projected: ${f(r.storm.scryptMsPerVerification)} ms scrypt each, 2 cores) | ${f(r.storm.withoutSharedCacheProjectedSeconds)} s | | |`,
    `| QoS 1 fan-in, ${r.fanIn.publishers} publishers × ${r.fanIn.each} | 1 node: ${f(r.fanIn.oneNodePerSecond, 0)}/s; 2 nodes: ${f(r.fanIn.twoNodesPerSecond, 0)}/s (${f(r.fanIn.twoNodesPerSecond / r.fanIn.oneNodePerSecond, 2)}×) | | |`,
    `| soak ${r.soak.seconds} s, 1,000 devices heartbeating: node RSS first → last | ${f(soak[0].rssKb / 1024)} → ${f(soak.at(-1)!.rssKb / 1024)} MB | | |`,
    `| soak: Redis used memory first → last | ${f(soak[0].redisBytes / 1048576, 2)} → ${f(soak.at(-1)!.redisBytes / 1048576, 2)} MB | | |`,
    '',
    `Full soak: \`${r.soak.fullRun}\` (not run here: the machine is shared by 8 developers).`,
    '',
  ].join('\n');
  console.log(md);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ at: new Date().toISOString(), ...r }, null, 2) + '\n');
  writeFileSync(join(dir, 'cluster.md'), md);
}
