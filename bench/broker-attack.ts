/**
 * The broker under attack (its own benchmark part, `npm run bench -- broker-attack`):
 *   1. broker RSS after 4 connections each declaring a 268 MB CONNECT and sending 64 MB, beside bare aedes
 *      receiving the same (target: the project broker grows < 10 MB);
 *   2. wrong-password CONNECTs per second the broker absorbs while 100 legitimate rating boxes publish
 *      QoS 1 once a second each: their publish→PUBACK p99 idle, under attack with the login throttle, and
 *      under the same attack with the throttle opened wide (the reference), all in one run.
 * Real scrypt cost (N=16384) for the passwords, as deployed. Records bench/results/broker-attack.{json,md}.
 * The machine is shared by other developers: phases are short (8 s each) and the numbers were measured
 * under that load; a full run would take 30 s phases.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { encode } from '../devices/contract/index.ts';
import { validRating } from '../devices/fixtures/messages.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { topicFor } from '../devices/topics.ts';
import { ServiceProcess } from '../infra/child.ts';
import { freePort } from '../infra/ports.ts';
import { projectBroker } from './lib/setup.ts';
import { targetsTable, verdict, type TargetRow } from './lib/targets-table.ts';

const MB = 1024 * 1024;
const quick = process.env.BENCH_QUICK === '1';
const PHASE_MS = quick ? 4000 : 8000;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] : NaN;
};

async function bareAedes() {
  const port = await freePort();
  const proc = new ServiceProcess('bare-aedes', ['bench/procs/bare-aedes.ts', String(port)], /^ready/);
  await proc.start();
  return { port, proc };
}

/** 4 sockets declaring 268,435,455 bytes and sending up to `each` bytes; resolves when all are closed or done */
async function declaredLengthAttack(port: number, each: number): Promise<void> {
  const chunk = Buffer.alloc(MB, 0x61);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      const s = netConnect(port, '127.0.0.1');
      s.on('error', () => {});
      let closed = false;
      s.once('close', () => (closed = true));
      await new Promise((r) => s.once('connect', r));
      s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      const gone = new Promise((r) => s.once('close', r));
      for (let sent = 0; sent < each && !closed; sent += chunk.length) {
        if (!s.write(chunk)) await Promise.race([new Promise((r) => s.once('drain', r)), gone]);
      }
      await sleep(300);
      s.destroy();
    }),
  );
}

async function memoryPart(dir: string, registryPath: string) {
  const each = quick ? 32 * MB : 64 * MB;
  const project = await projectBroker(dir, registryPath, 'broker-memory');
  const bare = await bareAedes();
  try {
    const measure = async (pid: number, port: number) => {
      await sleep(500);
      const before = rssOf(pid);
      await declaredLengthAttack(port, each);
      await sleep(1000);
      return { beforeMB: before / MB, afterMB: rssOf(pid) / MB, growthMB: (rssOf(pid) - before) / MB };
    };
    const projectRss = await measure(project.proc.pid!, project.port);
    const bareRss = await measure(bare.proc.pid!, bare.port);
    return {
      connections: 4,
      declaredBytes: 268_435_455,
      sentPerConnectionMB: each / MB,
      project: projectRss,
      bareAedes: bareRss,
    };
  } finally {
    await project.proc.stop();
    await bare.proc.stop();
  }
}

type Box = { id: string; password: string };

async function connectBoxes(port: number, boxes: Box[]): Promise<MqttClient[]> {
  return Promise.all(
    boxes.map(
      (b) =>
        new Promise<MqttClient>((resolve, reject) => {
          const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
            clientId: b.id,
            username: b.id,
            password: b.password,
            protocolVersion: 4,
            reconnectPeriod: 1000,
            connectTimeout: 60_000,
            keepalive: 30,
          });
          c.once('connect', () => resolve(c));
          c.once('error', reject);
        }),
    ),
  );
}

/** every box publishes one rating a second (QoS 1) for `ms`; returns publish→PUBACK latencies (and when, ms into the phase) */
async function publishFor(clients: MqttClient[], ms: number): Promise<{ ms: number; at: number }[]> {
  const latencies: { ms: number; at: number }[] = [];
  const start = performance.now();
  const end = Date.now() + ms;
  let seq = 0;
  await Promise.all(
    clients.map(async (c, i) => {
      await sleep((i * 1000) / clients.length);
      while (Date.now() < end) {
        const t0 = performance.now();
        const payload = encode('rating', { ...validRating, seq: ++seq, id: crypto.randomUUID() });
        await Promise.race([
          c
            .publishAsync(topicFor(c.options.clientId!, 'rating'), payload, { qos: 1 })
            .then(() => latencies.push({ ms: performance.now() - t0, at: t0 - start })),
          sleep(10_000),
        ]);
        await sleep(Math.max(0, 1000 - (performance.now() - t0)));
      }
    }),
  );
  return latencies;
}

/** wrong-password CONNECTs on real device ids, from its own process (so the devices' event loop is not the attacker's) */
const WORKERS = 200;
async function wrongPasswordFlood(
  port: number,
  ids: string[],
  ms: number,
): Promise<{ attempts: number; answered: number }> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/procs/wrong-password-flood.ts',
      String(port),
      String(ms),
      String(WORKERS),
      ids.join(','),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.on('data', (b) => (out += String(b)));
  await new Promise((r) => proc.once('exit', r));
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** the broker's cumulative refusal counts, as the collector reads them ($SYS/tt/broker/refusals) */
async function refusalCounts(
  port: number,
  password: string,
): Promise<{ client: MqttClient; now: Record<string, number> }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'collector',
    username: 'collector',
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const out = { client, now: {} as Record<string, number> };
  client.on('message', (_t, payload) => (out.now = JSON.parse(payload.toString()).refusals));
  await client.subscribeAsync('$SYS/tt/broker/refusals', { qos: 0 });
  return out;
}

async function loginPart(dir: string, registryPath: string, boxes: Box[], collectorPassword: string) {
  const legit = boxes.slice(0, 100);
  const targets = boxes.slice(100).map((b) => b.id);
  const run = async (name: string, throttle?: Record<string, unknown>) => {
    const broker = await projectBroker(dir, registryPath, name, {
      statsIntervalMs: 500,
      ...(throttle ? { loginThrottle: throttle } : {}),
    });
    try {
      const clients = await connectBoxes(broker.port, legit);
      const counts = await refusalCounts(broker.port, collectorPassword);
      const idle = await publishFor(clients, PHASE_MS);
      const before = { ...counts.now };
      const [attack, busy] = await Promise.all([
        wrongPasswordFlood(broker.port, targets, PHASE_MS),
        publishFor(clients, PHASE_MS),
      ]);
      await sleep(1000);
      const scryptRuns = (counts.now['auth-bad-password'] ?? 0) - (before['auth-bad-password'] ?? 0);
      const throttled = (counts.now['auth-throttled'] ?? 0) - (before['auth-throttled'] ?? 0);
      await Promise.all([...clients, counts.client].map((c) => c.endAsync(true)));
      return {
        idleP99Ms: p99(idle.map((l) => l.ms)),
        attackP99Ms: p99(busy.map((l) => l.ms)),
        attackSteadyP99Ms: p99(busy.filter((l) => l.at > 2000).map((l) => l.ms)),
        published: idle.length + busy.length,
        wrongPerSecond: attack.answered / (PHASE_MS / 1000),
        attempts: attack.attempts,
        wrongPasswordsVerified: scryptRuns,
        refusedWithoutVerifying: throttled,
      };
    } finally {
      await broker.proc.stop();
    }
  };
  const throttled = await run('broker-throttled');
  const open = await run('broker-unthrottled', {
    perAddress: { burst: 1_000_000, perMinute: 1_000_000 },
    perClientId: { burst: 1_000_000, perMinute: 1_000_000 },
  });
  return { legitimateDevices: legit.length, phaseMs: PHASE_MS, throttled, unthrottledReference: open };
}

export async function runBrokerAttackBench() {
  const dir = mkdtempSync(join(tmpdir(), 'tt-bench-attack-'));
  try {
    const { yaml, file, secrets } = await demoRegistry({ communes: 10, countersPerCommune: 12, hamletsPerCommune: 1 }); // real scrypt cost
    const registryPath = join(dir, 'registry.yaml');
    writeFileSync(registryPath, yaml);
    const boxes = file.provinces[0].communes.flatMap((c) =>
      c.devices.filter((d) => d.kind === 'rating-box').map((d) => ({ id: d.id, password: secrets[d.id] })),
    );
    const memory = await memoryPart(dir, registryPath);
    const logins = await loginPart(dir, registryPath, boxes, secrets.collector);
    const result = { at: new Date().toISOString(), quick, sharedMachine: true, memory, logins };
    record(result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function record(r: {
  at: string;
  quick: boolean;
  memory: Awaited<ReturnType<typeof memoryPart>>;
  logins: Awaited<ReturnType<typeof loginPart>>;
}) {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const m = r.memory;
  const t = r.logins.throttled;
  const o = r.logins.unthrottledReference;
  const rows: TargetRow[] = [
    [
      `broker RSS growth after 4 CONNECTs declaring 268 MB (${m.sentPerConnectionMB} MB sent each)`,
      `${f(m.project.growthMB)} MB (bare aedes: ${f(m.bareAedes.growthMB)} MB)`,
      '< 10 MB',
      verdict(m.project.growthMB < 10),
    ],
    [
      `wrong-password CONNECTs answered per second (${WORKERS} at once), ${r.logins.legitimateDevices} devices publishing`,
      `${f(t.wrongPerSecond, 0)}/s throttled, ${t.wrongPasswordsVerified} of them verified by scrypt (throttle opened wide: ${f(o.wrongPerSecond, 0)}/s, ${o.wrongPasswordsVerified} verified)`,
      '(recorded)',
      '',
    ],
    [
      'legitimate publish→PUBACK p99: idle vs under attack (throttled)',
      `${f(t.idleP99Ms)} ms vs ${f(t.attackP99Ms)} ms = ${f(t.attackP99Ms / t.idleP99Ms, 2)}× (after the first 2 s: ${f(t.attackSteadyP99Ms)} ms = ${f(t.attackSteadyP99Ms / t.idleP99Ms, 2)}×)`,
      '(recorded)',
      '',
    ],
    [
      'same, throttle opened wide (reference)',
      `${f(o.idleP99Ms)} ms vs ${f(o.attackP99Ms)} ms = ${f(o.attackP99Ms / o.idleP99Ms, 2)}× (after the first 2 s: ${f(o.attackSteadyP99Ms)} ms = ${f(o.attackSteadyP99Ms / o.idleP99Ms, 2)}×)`,
      '',
      '',
    ],
  ];
  const table = targetsTable(rows);
  console.log(`\n${table}\n`);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'broker-attack.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(
    join(dir, 'broker-attack.md'),
    `# Broker under attack, ${r.at}\n\nMeasured on the shared 2-core development machine while other developers ran their work (numbers are under that load); ${r.logins.phaseMs / 1000} s phases${r.quick ? ' (quick run)' : ''}, every ratio side by side in this run. Real scrypt cost (N=16384).\n\n${table}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBrokerAttackBench();
  process.exit(0);
}
