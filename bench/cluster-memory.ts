/**
 * Where a broker's memory per connection goes (`npm run bench -- cluster-memory`): the same method for every
 * broker in one run. Each runs as its own process (bench/procs/memory-probe.ts, --expose-gc); a tenth of N
 * devices connect first (the warm node), then the rest. Two modes, each its own run of the broker:
 * - settled: after each step the broker is left alone (SETTLE_MS.settled) and its RSS read with no forced
 *   collection: what the kernel sees in service, garbage included;
 * - collected: then two forced full collections, and process.memoryUsage(), V8's heap spaces and
 *   /proc/self/smaps_rollup: what the connections really hold (live heap, fragmentation, malloc outside V8).
 * Per connection = the growth from warm to N, divided by the connections added. Variants isolate the parts: bare
 * aedes, bare aedes on the Redis persistence, the project node in memory and on Redis, and the deployment levers
 * (V8's --optimize-for-size, glibc's MALLOC_ARENA_MAX) one by one and as the unit runs them. mosquitto is the C
 * reference (RSS only). BENCH_MEMORY_N sets N (default 4,000). Records bench/results/cluster-memory.{json,md}.
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
  deployedBrokerRuntime,
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

type Mode = 'settled' | 'collected';
type Variant = { name: string; probe: string; env?: Record<string, string>; nodeArgs?: string[]; modes: Mode[] };

/** settled: left alone this long, no forced collection (what the kernel sees in service); collected: then gc() twice */
const SETTLE_MS = { settled: Number(process.env.BENCH_MEMORY_SETTLE_MS ?? 10_000), collected: 3000 };

const deployed = deployedBrokerRuntime();

export const VARIANTS: Variant[] = [
  { name: 'bare aedes', probe: 'bare', modes: ['settled', 'collected'] },
  { name: 'bare aedes on the Redis persistence', probe: 'bare-redis', modes: ['collected'] },
  { name: 'project node, sessions in memory', probe: 'project-memory', modes: ['collected'] },
  { name: 'project node on Redis, plain node', probe: 'project-redis', modes: ['settled', 'collected'] },
  {
    name: 'project node on Redis, --optimize-for-size',
    probe: 'project-redis',
    nodeArgs: ['--optimize-for-size'],
    modes: ['settled'],
  },
  {
    name: 'project node on Redis, MALLOC_ARENA_MAX=2',
    probe: 'project-redis',
    env: { MALLOC_ARENA_MAX: '2' },
    modes: ['settled'],
  },
  {
    name: `project node on Redis, as its unit runs it (${[...deployed.nodeArgs, ...Object.entries(deployed.env).map(([k, v]) => `${k}=${v}`)].join(', ')})`,
    probe: 'project-redis',
    ...deployed,
    modes: ['settled', 'collected'],
  },
];

async function measureVariant(
  v: Variant,
  mode: Mode,
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
      child.send({ cmd: 'measure', settleMs: SETTLE_MS[mode], collect: mode === 'collected' });
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
      mode,
      env: v.env,
      nodeArgs: v.nodeArgs,
      connected,
      perConnectionKb: {
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
    await sleep(SETTLE_MS.settled);
    const warm = rssKb(mq.pid);
    await connectAll(mq.port, devices.slice(warmN), 200, 60, clients);
    await sleep(SETTLE_MS.settled);
    const full = rssKb(mq.pid);
    return {
      name: 'mosquitto (C reference)',
      mode: 'settled',
      perConnectionKb: { rss: (full - warm) / (devices.length - warmN) },
      rssMb: { warm: { settled: warm / 1024 }, full: { settled: full / 1024 } },
    };
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
    for (const v of opts.variants ?? VARIANTS)
      for (const mode of v.modes) {
        rows.push(await measureVariant(v, mode, devices, registryPath, redis.url, secret));
        console.log(JSON.stringify({ name: v.name, mode, ...(rows.at(-1)!.perConnectionKb as object) }));
      }
    rows.push(await mosquittoCost(dir, devices));
  } finally {
    await redis.stop();
  }
  const result = { n, settleMs: SETTLE_MS, loadAverage: { start: loadAtStart, end: loadAverage() }, rows };
  record(result);
  return result;
}

type Row = {
  name: string;
  mode: Mode;
  connected?: number;
  perConnectionKb: Record<string, number>;
  rssMb: Record<string, { settled: number; collected?: number }>;
};

function record(r: { n: number; loadAverage: { start: number[]; end: number[] }; rows: unknown[] }): void {
  const f = (x: number | undefined, d = 1) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '');
  const rows = r.rows as Row[];
  const settled = rows.filter((x) => x.mode === 'settled');
  const collected = rows.filter((x) => x.mode === 'collected');
  const md = [
    `# Where a broker node's memory per connection goes (${new Date().toISOString().slice(0, 10)})`,
    '',
    `${r.n} devices (a tenth connected first: the warm node), each broker its own process, the same method for all in one run; ` +
      `load average ${r.loadAverage.start.join(' / ')} at start, ${r.loadAverage.end.join(' / ')} at the end (a shared 2-core machine). ` +
      'Per connection = growth from the warm node to all connected, divided by the connections added.',
    '',
    `## RSS in service: ${SETTLE_MS.settled / 1000} s alone after connecting, no forced collection`,
    '',
    `| broker | RSS per connection | RSS warm → ${r.n} | heap used per connection (garbage included) |`,
    '| --- | --- | --- | --- |',
    ...settled.map(
      (x) =>
        `| ${x.name} | **${f(x.perConnectionKb.rss)} KB** | ${f(x.rssMb.warm?.settled, 0)} → ${f(x.rssMb.full?.settled, 0)} MB | ${x.perConnectionKb.heapUsed === undefined ? 'n/a' : `${f(x.perConnectionKb.heapUsed)} KB`} |`,
    ),
    '',
    '## What stays: after a settle period and two forced full collections (the probe runs with --expose-gc)',
    '',
    '| broker | RSS | V8 heap used (live) | V8 heap reserved (live + fragmentation) | RSS outside the V8 heap (malloc: sockets, buffers) | external / array buffers |',
    '| --- | --- | --- | --- | --- | --- |',
    ...collected.map(
      (x) =>
        `| ${x.name} | ${f(x.perConnectionKb.rss)} KB | ${f(x.perConnectionKb.heapUsed)} KB | ${f(x.perConnectionKb.heapTotal)} KB | ${f(x.perConnectionKb.rssOutsideHeap)} KB | ${f(x.perConnectionKb.external, 2)} / ${f(x.perConnectionKb.arrayBuffers, 2)} KB |`,
    ),
    '',
  ].join('\n');
  console.log(md);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'cluster-memory.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...r }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'cluster-memory.md'), md);
}
