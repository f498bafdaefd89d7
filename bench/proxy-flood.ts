/**
 * A wrong-password flood through the balancer (`npm run bench -- proxy-flood`): one attacking address floods a
 * broker node through a real haproxy while 100 devices, each from its own address and never logged in since the
 * node started (no cached verification), log in for the first time. Run twice in one run, side by side:
 *   - without the PROXY protocol: the node sees every connection from the balancer's address, so the attacker
 *     empties the one address bucket the whole province shares;
 *   - with it (haproxy send-proxy-v2, broker proxyProtocol.trusted): the node sees each device's own address.
 * Real scrypt cost (N=16384) and the default login throttle (30 per address, 60/min). Records
 * bench/results/proxy-flood.{json,md}.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHaproxy } from '../infra/haproxy.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { connectBytes } from './lib/connect-bytes.ts';
import { projectBroker } from './lib/setup.ts';
import { targetsTable, verdict, type TargetRow } from './lib/targets-table.ts';

const quick = process.env.BENCH_QUICK === '1';
const FLOOD_MS = quick ? 8_000 : 16_000;
const DEVICES = 100;
const ATTACKER = '127.0.0.66';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))] : Number.NaN;
};

type Device = { id: string; password: string; from: string };

/** one first-time login through the balancer from the device's own address: CONNACK code and time to it */
function login(port: number, d: Device): Promise<{ code: number; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = netConnect({ port, host: '127.0.0.1', localAddress: d.from });
    const done = (code: number) => {
      s.destroy();
      resolve({ code, ms: performance.now() - t0 });
    };
    s.on('error', () => done(-1));
    s.once('connect', () => s.write(connectBytes(d.id, d.password)));
    s.once('data', (b) => done(b[0] === 0x20 ? b[3] : -2));
    s.once('close', () => done(-1));
    setTimeout(() => done(-3), 30_000).unref();
  });
}

function flood(port: number, ids: string[], ms: number): Promise<{ attempts: number; answered: number }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/procs/wrong-password-flood.ts', String(port), String(ms), '50', ids.join(','), ATTACKER],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.on('data', (b) => (out += String(b)));
  return new Promise((r) => proc.once('exit', () => r(JSON.parse(out.trim().split('\n').pop()!))));
}

async function phase(dir: string, registryPath: string, devices: Device[], targets: string[], proxy: boolean) {
  const name = proxy ? 'with-proxy' : 'without-proxy';
  const { port, proc: broker } = await projectBroker(
    dir,
    registryPath,
    name,
    proxy ? { proxyProtocol: { trusted: ['127.0.0.1'] } } : {},
  );
  const lb = new LocalHaproxy({ dir: join(dir, `haproxy-${name}`), nodes: [{ name: 'a', port }], sendProxy: proxy });
  await lb.start();
  try {
    const attack = flood(lb.port, targets, FLOOD_MS);
    await sleep(2_000); // the attacker's address bucket (burst 30) is empty by now
    // the devices log in while the flood goes on, spread over the rest of it
    const gap = (FLOOD_MS - 4_000) / devices.length;
    const logins = await Promise.all(devices.map(async (d, i) => (await sleep(i * gap), login(lb.port, d))));
    const attacked = await attack;
    const accepted = logins.filter((l) => l.code === 0);
    return {
      accepted: accepted.length,
      refused: logins.filter((l) => l.code === 4 || l.code === 5).length,
      failed: logins.filter((l) => l.code < 0).length,
      acceptedP50Ms: pct(
        accepted.map((l) => l.ms),
        0.5,
      ),
      acceptedP99Ms: pct(
        accepted.map((l) => l.ms),
        0.99,
      ),
      wrongPasswordsAnsweredPerS: attacked.answered / (FLOOD_MS / 1000),
    };
  } finally {
    await lb.stop();
    await broker.stop();
  }
}

export async function runProxyFloodBench(): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-bench-proxy-'));
  try {
    const { yaml, file, secrets } = await demoRegistry({ communes: 10, countersPerCommune: 12, hamletsPerCommune: 1 });
    const registryPath = join(dir, 'registry.yaml');
    writeFileSync(registryPath, yaml);
    const boxes = file.provinces[0].communes.flatMap((c) => c.devices.filter((d) => d.kind === 'rating-box'));
    const devices = boxes
      .slice(0, DEVICES)
      .map((d, i) => ({ id: d.id, password: secrets[d.id], from: `127.0.1.${i + 1}` }));
    const targets = boxes.slice(DEVICES).map((d) => d.id);
    const without = await phase(dir, registryPath, devices, targets, false);
    const withProxy = await phase(dir, registryPath, devices, targets, true);
    const result: Result = {
      at: new Date().toISOString(),
      quick,
      devices: DEVICES,
      floodMs: FLOOD_MS,
      without,
      withProxy,
    };
    record(result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Phase = Awaited<ReturnType<typeof phase>>;
type Result = { at: string; quick: boolean; devices: number; floodMs: number; without: Phase; withProxy: Phase };

function record(r: Result) {
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const line = (p: Phase) =>
    `${p.accepted} in, ${p.refused} refused, ${p.failed} failed (in: p50 ${f(p.acceptedP50Ms)} ms, p99 ${f(p.acceptedP99Ms)} ms); flood answered ${f(p.wrongPasswordsAnsweredPerS)}/s`;
  const rows: TargetRow[] = [
    [
      `first-time logins of ${r.devices} devices during the flood, with PROXY v2 headers`,
      line(r.withProxy),
      `all ${r.devices} in`,
      verdict(r.withProxy.accepted === r.devices),
    ],
    ['the same without them (reference: one address for all)', line(r.without), '', ''],
  ];
  const table = targetsTable(rows);
  console.log(`\n${table}\n`);
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'proxy-flood.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(
    join(out, 'proxy-flood.md'),
    `# Wrong-password flood through the balancer, ${r.at}\n\nOne attacking address (${ATTACKER}, 50 connections at once) floods a broker node through a real haproxy for ${r.floodMs / 1000} s; from its third second, ${r.devices} devices that have not logged in since the node started log in once each, from their own addresses. Both phases in one run, real scrypt cost, default login throttle${r.quick ? ' (quick run)' : ''}.\n\n${table}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runProxyFloodBench();
  process.exit(0);
}
