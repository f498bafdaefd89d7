/**
 * Soak of a broker node on Redis (`npm run bench -- cluster-soak`): a modest fleet kept busy for a long time, so
 * memory growth of the node or of the Redis persistence shows, while the machine's CPU stays mostly free for others.
 * Records bench/results/cluster-soak.json and .md.
 *   - BENCH_SOAK_N devices (default 1,000) with persistent sessions (clean: false), each subscribed to its own
 *     downlink; every device publishes its retained state (QoS 1) every 10 s, rating boxes a rating (QoS 1) every 5 s
 *     to a collector with a persistent session
 *   - churn: every 30 s, 2 % of the devices drop their connection and come back (session resumption, wills)
 *   - sampled every BENCH_SOAK_S/30 s: node RSS, node CPU, Redis used memory and key count, load average
 * BENCH_SOAK_S sets the length (default 60 s; a full half-hour soak is BENCH_SOAK_S=1800).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { encode } from '../devices/contract/index.ts';
import { topicFor } from '../devices/topics.ts';
import type { ServiceProcess } from '../infra/child.ts';
import { LocalRedis } from '../infra/redis-server.ts';
import { syncedRating } from '../tests/support/rating-message.ts';
import { benchFleet, connectAll, cpuS, endAll, loadAverage, rssKb, sleep, startNode } from './lib/cluster-kit.ts';

type Sample = {
  s: number;
  rssKb: number;
  cpuPercent: number;
  redisBytes: number;
  redisKeys: number;
  collectorQueue: number;
  load1: number;
  received: number;
  connected: number;
};

export async function runClusterSoakBench() {
  const n = Number(process.env.BENCH_SOAK_N ?? 1000);
  const soakS = Number(process.env.BENCH_SOAK_S ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'tt-soak-'));
  const started: ServiceProcess[] = [];
  const redis = new LocalRedis(join(dir, 'redis'));
  const clients: MqttClient[] = [];
  let collector: MqttClient | undefined;
  let tick: NodeJS.Timeout | undefined;
  try {
    const fleet = await benchFleet(dir, n);
    const devices = fleet.all.slice(0, n);
    const secretFile = join(dir, 'auth.secret');
    writeFileSync(secretFile, randomBytes(32).toString('hex'));
    await redis.start();
    const rcli = new Redis(redis.url);
    const node = await startNode(started, dir, 'soak', fleet.registryPath, { redisUrl: redis.url, secretFile });
    const loadAtStart = loadAverage();

    collector = await mqtt.connectAsync(`mqtt://127.0.0.1:${node.port}`, {
      clientId: fleet.collector.id,
      username: fleet.collector.id,
      password: fleet.collector.password,
      protocolVersion: 4,
      clean: false,
    });
    let received = 0;
    collector.on('message', () => received++);
    await collector.subscribeAsync(['tt/v1/+/rating', 'tt/v1/+/state'], { qos: 1 });

    await connectAll(node.port, devices, 50, 30, clients, false);
    const downlink = (kind?: string) => (kind === 'speaker' ? 'schedule' : 'ack');
    await Promise.all(
      clients.map((c, i) =>
        c.subscribeAsync(topicFor(devices[i]!.id, downlink(devices[i]!.kind)), { qos: 1 }).catch(() => undefined),
      ),
    );

    let second = 0;
    let sent = 0;
    tick = setInterval(() => {
      second++;
      for (const [i, c] of clients.entries()) {
        const d = devices[i]!;
        if (!c.connected) continue;
        if ((i + second) % 10 === 0) {
          c.publish(
            topicFor(d.id, 'state'),
            encode('state', {
              v: 1,
              at: new Date().toISOString(),
              clockSynced: true,
              boot: 'soak',
              uptimeS: second,
              version: 'bench',
              outboxDepth: 0,
            }),
            { qos: 1, retain: true },
          );
          sent++;
        }
        if (d.kind === 'rating-box' && (i + second) % 5 === 0) {
          c.publish(topicFor(d.id, 'rating'), syncedRating('soak', second), { qos: 1 });
          sent++;
        }
      }
      if (second % 30 === 0) {
        // churn: 2 % of the fleet loses its link (no DISCONNECT: the will fires) and mqtt.js reconnects it
        for (let k = 0; k < Math.ceil(n / 50); k++) {
          const c = clients[(second * 7 + k * 13) % clients.length]!;
          (c as unknown as { stream?: { destroy(): void } }).stream?.destroy();
        }
      }
    }, 1000);

    const samples: Sample[] = [];
    const start = performance.now();
    let lastCpu = cpuS(node.pid);
    let lastAt = start;
    const every = Math.max(2000, (soakS * 1000) / 30);
    while (true) {
      const now = performance.now();
      const cpu = cpuS(node.pid);
      const info = await rcli.info('memory');
      samples.push({
        s: Math.round((now - start) / 1000),
        rssKb: rssKb(node.pid),
        cpuPercent: samples.length ? ((cpu - lastCpu) / ((now - lastAt) / 1000)) * 100 : 0,
        redisBytes: Number(/used_memory:(\d+)/.exec(info)![1]),
        redisKeys: await rcli.dbsize(),
        // the collector's own backlog (QoS 1 packets waiting for its PUBACK): growth here is a slow reader, not a leak
        collectorQueue: await rcli.llen(`outgoing:${fleet.collector.id}`),
        load1: loadAverage()[0]!,
        received,
        connected: clients.filter((c) => c.connected).length,
      });
      lastCpu = cpu;
      lastAt = now;
      if ((now - start) / 1000 >= soakS) break;
      await sleep(every);
    }
    clearInterval(tick);
    tick = undefined;
    await endAll(clients);
    await collector.endAsync(true).catch(() => undefined);
    await rcli.quit().catch(() => undefined);
    const result = { n, seconds: soakS, sent, received, loadAtStart, samples };
    record(result);
    return result;
  } finally {
    if (tick) clearInterval(tick);
    await endAll(clients);
    await collector?.endAsync(true).catch(() => undefined);
    await Promise.all(started.splice(0).map((p) => p.stop()));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function record(r: {
  n: number;
  seconds: number;
  sent: number;
  received: number;
  loadAtStart: number[];
  samples: Sample[];
}) {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const s = r.samples;
  const first = s[1] ?? s[0]!; // the first sample is taken before the fleet's traffic settles
  const last = s.at(-1)!;
  const half = s[Math.floor(s.length / 2)]!;
  const cpu = s.slice(1).map((x) => x.cpuPercent);
  const md = [
    `# Broker soak on Redis (${new Date().toISOString().slice(0, 10)})`,
    '',
    `${r.n} devices with persistent sessions for ${r.seconds} s on one node (state every 10 s, ratings every 5 s, 2 % of the links cut every 30 s); ` +
      `load average at start ${r.loadAtStart.join(' / ')} (on the development machine: other work may run), ${f(Math.max(...s.map((x) => x.load1)), 2)} at most during the run.`,
    '',
    '| measure | first | middle | last |',
    '| --- | --- | --- | --- |',
    `| at second | ${first.s} | ${half.s} | ${last.s} |`,
    `| node RSS | ${f(first.rssKb / 1024)} MB | ${f(half.rssKb / 1024)} MB | ${f(last.rssKb / 1024)} MB |`,
    `| Redis used memory | ${f(first.redisBytes / 1048576, 2)} MB | ${f(half.redisBytes / 1048576, 2)} MB | ${f(last.redisBytes / 1048576, 2)} MB |`,
    `| Redis keys | ${first.redisKeys} | ${half.redisKeys} | ${last.redisKeys} |`,
    `| devices connected | ${first.connected} | ${half.connected} | ${last.connected} |`,
    '',
    `Node CPU: ${f(cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length))} % of a core on average, ${f(Math.max(...cpu))} % at most. ` +
      `Messages published ${r.sent}, received by the collector ${r.received} (QoS 1; a cut link loses what mqtt.js had in flight only until it resends).`,
    '',
    '| s | RSS MB | CPU % | Redis MB | keys | collector backlog | received | load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.map(
      (x) =>
        `| ${x.s} | ${f(x.rssKb / 1024)} | ${f(x.cpuPercent)} | ${f(x.redisBytes / 1048576, 2)} | ${x.redisKeys} | ${x.collectorQueue ?? ''} | ${x.received} | ${f(x.load1, 2)} |`,
    ),
    '',
  ].join('\n');
  console.log(md);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster-soak.json'), `${JSON.stringify({ at: new Date().toISOString(), ...r }, null, 2)}\n`);
  writeFileSync(join(dir, 'cluster-soak.md'), md);
}
