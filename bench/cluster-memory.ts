/**
 * Where a broker's memory per connection goes (`npm run bench -- cluster-memory`): the same method for every
 * broker in one run. Each runs as its own process (bench/procs/memory-probe.ts, --expose-gc); a tenth of N
 * devices connect first (the warm node), then the rest; at each point the broker settles, collects its garbage
 * twice and reports process.memoryUsage(), V8's heap spaces and /proc/self/smaps_rollup. Per connection = the
 * growth from warm to N, divided by the connections added. Variants isolate the parts: bare aedes, bare aedes on
 * the Redis persistence, the project node in memory and on Redis, and the deployment levers (glibc arenas, V8's
 * young generation). mosquitto is the C reference (RSS only). BENCH_MEMORY_N sets N (default 4,000).
 * Records bench/results/cluster-memory.{json,md}.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePort } from '../infra/ports.ts';
import { LocalRedis } from '../infra/redis-server.ts';
import {
  benchFleet,
  connectAll,
  endAll,
  loadAverage,
  rssKb,
  sleep,
  startMosquitto,
  type Device,
} from './lib/cluster-kit.ts';

type Reading = {
  mem: NodeJS.MemoryUsage;
  spaces: Record<string, { size: number; used: number }>;
  smaps: Record<string, number>;
};
type Readings = { settled: Reading; collected: Reading };

type Variant = { name: string; probe: string; env?: Record<string, string>; nodeArgs?: string[] };

const SETTLE_MS = Number(process.env.BENCH_MEMORY_SETTLE_MS ?? 3000);
const COLLECT = process.env.BENCH_MEMORY_GC !== '0';

export const VARIANTS: Variant[] = [
  { name: 'bare aedes', probe: 'bare' },
  { name: 'bare aedes on Redis persistence', probe: 'bare-redis' },
  { name: 'project node, memory sessions', probe: 'project-memory' },
  { name: 'project node on Redis (as deployed before)', probe: 'project-redis' },
  { name: 'project node on Redis, MALLOC_ARENA_MAX=2', probe: 'project-redis', env: { MALLOC_ARENA_MAX: '2' } },
  {
    name: 'project node on Redis, --max-semi-space-size=1',
    probe: 'project-redis',
    nodeArgs: ['--max-semi-space-size=1'],
  },
  { name: 'project node on Redis, --optimize-for-size', probe: 'project-redis', nodeArgs: ['--optimize-for-size'] },
  {
    name: 'project node on Redis, --optimize-for-size, MALLOC_ARENA_MAX=2',
    probe: 'project-redis',
    nodeArgs: ['--optimize-for-size'],
    env: { MALLOC_ARENA_MAX: '2' },
  },
];

async function measureVariant(
  v: Variant,
  devices: Device[],
  registryPath: string,
  redisUrl: string,
  secret: string,
): Promise<Record<string, unknown>> {
  const port = await freePort();
  const child = fork('bench/procs/memory-probe.ts', [v.probe, String(port), registryPath, redisUrl, secret], {
    execArgv: ['--expose-gc', ...(v.nodeArgs ?? []), '--import', 'tsx'],
    env: { ...process.env, ...v.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`${v.name}: probe exited with ${code}`)));
  });
  const measure = () =>
    new Promise<Readings>((resolve) => {
      child.once('message', (m) => resolve(m as Readings));
      child.send({ cmd: 'measure', settleMs: SETTLE_MS, collect: COLLECT });
    });
  const clients: MqttClient[] = [];
  try {
    const idle = await measure();
    const warmN = Math.ceil(devices.length / 10);
    await connectAll(port, devices.slice(0, warmN), 200, 60, clients);
    const warm = await measure();
    await connectAll(port, devices.slice(warmN), 200, 60, clients);
    const full = await measure();
    const connected = clients.filter((c) => c.connected).length;
    const added = devices.length - warmN;
    const per = (f: (r: Reading) => number) => (f(full.collected) - f(warm.collected)) / added / 1024;
    return {
      name: v.name,
      env: v.env,
      nodeArgs: v.nodeArgs,
      connected,
      perConnectionKb: {
        rssSettled: (full.settled.mem.rss - warm.settled.mem.rss) / added / 1024,
        rss: per((r) => r.mem.rss),
        heapUsed: per((r) => r.mem.heapUsed),
        heapTotal: per((r) => r.mem.heapTotal),
        external: per((r) => r.mem.external),
        arrayBuffers: per((r) => r.mem.arrayBuffers),
        anonymous: per((r) => (r.smaps.Anonymous ?? 0) * 1024),
        // RSS outside V8's heap: malloc (sockets, buffers, libuv, OpenSSL) and its unreturned free memory
        rssOutsideHeap: per((r) => r.mem.rss - r.mem.heapTotal),
        newSpace: per((r) => r.spaces.new_space?.size ?? 0),
        oldSpaceUsed: per((r) => r.spaces.old_space?.used ?? 0),
      },
      rssMb: Object.fromEntries(
        Object.entries({ idle, warm, full }).map(([k, r]) => [
          k,
          { settled: r.settled.mem.rss / 1048576, collected: r.collected.mem.rss / 1048576 },
        ]),
      ),
      readings: { idle, warm, full },
    };
  } finally {
    await endAll(clients);
    child.send({ cmd: 'stop' });
    await new Promise((r) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => r(clearTimeout(t)));
    });
  }
}

async function mosquittoCost(dir: string, devices: Device[]) {
  const mq = await startMosquitto(dir, devices);
  const clients: MqttClient[] = [];
  try {
    const warmN = Math.ceil(devices.length / 10);
    await connectAll(mq.port, devices.slice(0, warmN), 200, 60, clients);
    await sleep(3000);
    const warm = rssKb(mq.pid);
    await connectAll(mq.port, devices.slice(warmN), 200, 60, clients);
    await sleep(3000);
    return { name: 'mosquitto', perConnectionKb: { rss: (rssKb(mq.pid) - warm) / (devices.length - warmN) } };
  } finally {
    await endAll(clients);
    mq.proc.kill('SIGTERM');
  }
}

export async function runClusterMemoryBench(opts: { dir: string; variants?: Variant[] }) {
  const n = Number(process.env.BENCH_MEMORY_N ?? 4000);
  const dir = join(opts.dir, 'cluster-memory');
  mkdirSync(dir, { recursive: true });
  const { registryPath, all } = await benchFleet(dir, n);
  const devices = all.slice(0, n);
  const redis = new LocalRedis(join(dir, 'redis'));
  await redis.start();
  const secret = randomBytes(32).toString('hex');
  const loadAtStart = loadAverage();
  const rows: Record<string, unknown>[] = [];
  try {
    const only = process.env.BENCH_MEMORY_ONLY?.split(',').map(Number);
    for (const v of opts.variants ?? VARIANTS.filter((_, i) => !only || only.includes(i))) {
      rows.push(await measureVariant(v, devices, registryPath, redis.url, secret));
      console.log(
        JSON.stringify({ name: v.name, ...(rows.at(-1)!.perConnectionKb as object), rssMb: rows.at(-1)!.rssMb }),
      );
    }
    rows.push(await mosquittoCost(dir, devices));
  } finally {
    await redis.stop();
  }
  const result = { n, loadAverage: { start: loadAtStart, end: loadAverage() }, rows };
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const r = await runClusterMemoryBench({ dir: mkdtempSync(join(tmpdir(), 'tt-mem-')) });
  writeFileSync('/tmp/a13-mem.json', JSON.stringify(r, null, 2));
}
