/**
 * The reconnect storm alone, to profile it (not a part of `npm run bench`; the recorded storm is bench/cluster.ts):
 *   tsx bench/storm-profile.ts [N] [--prof]        (run it through the benchmark lock like any benchmark)
 * Starts redis-server, warms the shared verification cache through node "a" (N devices, 200 CONNECTs in flight),
 * kills it, starts node "storm" as its unit runs it and connects all N at once. Prints the storm's seconds, retries
 * and their reasons, the CPU of the node, of the clients (this process) and of Redis, Redis commands per CONNECT and
 * the kernel's accept-queue drops. --prof writes the storm node's CPU profile (node --cpu-prof) into the work
 * folder's prof/; STORM_NODE_ARGS adds node flags (e.g. --trace-gc), STORM_EXTRA merges JSON into its config.
 * The fleet (registry, passwords) is kept in $TMPDIR/thanthien-storm-N between runs: making it takes a while.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import type { ServiceProcess } from '../infra/child.ts';
import { LocalRedis } from '../infra/redis-server.ts';
import {
  benchFleet,
  connectAll,
  cpuS,
  deployedBrokerRuntime,
  endAll,
  loadAverage,
  rssKb,
  startNode,
  type Device,
} from './lib/cluster-kit.ts';

const n = Number(process.argv[2] ?? 10_000);
const prof = process.argv.includes('--prof');
const dir = join(tmpdir(), `thanthien-storm-${n}`);
mkdirSync(dir, { recursive: true });
const cached = join(dir, 'fleet.json');
const fleet: { registryPath: string; all: Device[] } = existsSync(cached)
  ? JSON.parse(readFileSync(cached, 'utf8'))
  : await benchFleet(dir, n).then(({ registryPath, all }) => ({ registryPath, all }));
writeFileSync(cached, JSON.stringify(fleet));
const devices = fleet.all.slice(0, n);
const secretFile = join(dir, 'auth.secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('hex'));

/** connections dropped from full accept queues, this machine */
const listenDrops = () => {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  return Number(lines[i + 1]!.split(' ')[lines[i]!.split(' ').indexOf('ListenDrops')]);
};

const redisDir = join(dir, 'redis');
rmSync(redisDir, { recursive: true, force: true });
const redis = new LocalRedis(redisDir);
await redis.start();
const started: ServiceProcess[] = [];
const runtime = deployedBrokerRuntime();
try {
  const a = await startNode(started, dir, 'a', fleet.registryPath, { redisUrl: redis.url, secretFile, ...runtime });
  const warm: MqttClient[] = [];
  console.log('cache warmed', await connectAll(a.port, devices, 200, 60, warm));
  await a.proc.kill();
  await endAll(warm);
  const node = await startNode(started, dir, 'storm', fleet.registryPath, {
    redisUrl: redis.url,
    secretFile,
    nodeArgs: [
      ...runtime.nodeArgs,
      ...(process.env.STORM_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'prof')}`] : []),
    ],
    env: runtime.env,
    ...(process.env.STORM_EXTRA ? { extra: JSON.parse(process.env.STORM_EXTRA) } : {}),
  });
  const rc = new Redis(redis.url);
  await rc.config('RESETSTAT');
  const before = { load: loadAverage(), node: cpuS(node.pid), redis: cpuS(redis.pid!), drops: listenDrops() };
  const clients0 = process.cpuUsage();
  const storm: MqttClient[] = [];
  const s = await connectAll(node.port, devices, devices.length, 60, storm);
  const clients = process.cpuUsage(clients0);
  const calls = [...(await rc.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
    .filter(([, k]) => k !== 'info' && k !== 'config')
    .map(([, k, v]) => [k!, Number(v) / n] as const);
  console.log(
    JSON.stringify({
      n,
      ...s,
      connected: storm.filter((c) => c.connected).length,
      loadAtStart: before.load,
      cpuSeconds: {
        node: cpuS(node.pid) - before.node,
        clients: (clients.user + clients.system) / 1e6,
        redis: cpuS(redis.pid!) - before.redis,
      },
      nodeRssMb: rssKb(node.pid) / 1024,
      redisCommandsPerConnect: Object.fromEntries(calls),
      listenQueueDrops: listenDrops() - before.drops,
    }),
  );
  await rc.quit();
  await endAll(storm);
  await node.proc.stop(); // a clean exit writes the profile
  writeFileSync(join(dir, 'storm-node.log'), node.proc.output.join('\n'));
  const atStop = node.proc.output.map((l) => /"broker stats at stop"/.test(l) && JSON.parse(l)).find(Boolean);
  console.log(JSON.stringify({ stats: atStop?.stats, cluster: atStop?.cluster }));
} finally {
  await Promise.all(started.map((p) => p.stop()));
  await redis.stop();
}
