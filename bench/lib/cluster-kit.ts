/**
 * What the province-scale benchmarks share: broker node processes on Redis, Debian's mosquitto as the C
 * reference, a device fleet from the demo registry, and /proc readings of a process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { freePort } from '../../infra/ports.ts';

export type Device = { id: string; password: string; kind?: string };

export const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
export const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a registry of about `n` devices with cheap hashes (10k real ones take minutes to make; the real cost is measured apart) */
export async function benchFleet(dir: string, n: number) {
  const demo = await demoRegistry({
    communes: Math.ceil(n / 10),
    hamletsPerCommune: 4,
    countersPerCommune: 6,
    cost: { N: 1024, r: 8, p: 1 },
  });
  const registryPath = join(dir, 'registry.yaml');
  writeFileSync(registryPath, demo.yaml);
  const all: Device[] = demo.file.provinces.flatMap((p) =>
    p.communes.flatMap((c) => c.devices.map((d) => ({ id: d.id, password: demo.secrets[d.id]!, kind: d.kind }))),
  );
  return { demo, registryPath, all, collector: { id: 'collector', password: demo.secrets.collector! } };
}

/** connect every device, `parallel` CONNECTs in flight at once; resolves with the seconds it took */
export async function connectAll(
  port: number,
  devices: Device[],
  parallel: number,
  keepalive: number,
  out: MqttClient[],
  clean = true,
): Promise<{ seconds: number; retries: number; retryReasons: Record<string, number> }> {
  const t0 = performance.now();
  let next = 0;
  let retries = 0;
  const retryReasons: Record<string, number> = {};
  const one = (d: Device) =>
    new Promise<void>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: d.id,
        username: d.id,
        password: d.password,
        protocolVersion: 4,
        keepalive,
        reconnectPeriod: 500,
        connectTimeout: 60_000,
        clean,
      });
      c.once('connect', () => resolve());
      // "server unavailable" (admission), a timeout, a connection reset: mqtt.js retries
      c.on('error', (err: Error & { code?: string | number }) => {
        retries++;
        const reason = String(err.code ?? err.message);
        retryReasons[reason] = (retryReasons[reason] ?? 0) + 1;
      });
      out.push(c);
    });
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < devices.length) await one(devices[next++]!);
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, retries, retryReasons };
}

export const endAll = async (clients: MqttClient[]) => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  clients.length = 0;
};

export type NodeOptions = {
  redisUrl: string;
  secretFile: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  extra?: Record<string, unknown>;
};

/** one broker node as its own process; `started` collects it so the caller stops it whatever failed */
export async function startNode(
  started: ServiceProcess[],
  dir: string,
  name: string,
  registryPath: string,
  o: NodeOptions,
) {
  const port = await freePort();
  const path = join(dir, `node-${name}.yaml`);
  writeFileSync(
    path,
    stringify({
      host: '127.0.0.1',
      port,
      registryPath,
      statsIntervalMs: 10_000,
      persistence: { kind: 'redis', url: o.redisUrl },
      cluster: { nodeName: name },
      sharedAuthCache: { url: o.redisUrl, secretFile: o.secretFile },
      authCacheSize: 20_000,
      ...o.extra,
    }),
  );
  const proc = new ServiceProcess(`broker-${name}`, ['broker/main.ts', '--config', path], /broker listening/, o.env, [
    ...(o.nodeArgs ?? []),
    '--import',
    'tsx',
  ]);
  started.push(proc);
  await proc.start();
  return { proc, port, pid: proc.pid! };
}

/**
 * How the broker's systemd unit runs node (deploy/systemd/thanthien-broker.service): its node flags and its
 * environment, read from the unit itself so the benchmark measures what is deployed.
 */
export function deployedBrokerRuntime(): { nodeArgs: string[]; env: Record<string, string> } {
  const unit = readFileSync(join(import.meta.dirname, '../../deploy/systemd/thanthien-broker.service'), 'utf8');
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(unit);
  const env: Record<string, string> = {};
  for (const [, line] of unit.matchAll(/^Environment=(.*)$/gm))
    for (const pair of line!.split(/\s+/)) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined && k !== 'NODE_ENV' && k !== 'LOG_LEVEL') env[k] = v;
    }
  return { nodeArgs: exec?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [], env };
}

export async function startMosquitto(dir: string, devices: Device[]) {
  const port = await freePort();
  const pw = join(dir, 'mosquitto.passwd');
  writeFileSync(pw, `${devices.map((d) => `${d.id}:${d.password}`).join('\n')}\n`);
  const hashed = spawnSync('mosquitto_passwd', ['-U', pw]);
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd: ${hashed.stderr}`);
  const conf = join(dir, 'mosquitto.conf');
  // run as whoever runs the bench (as root mosquitto would switch to its own user, which cannot read our temp dir)
  writeFileSync(
    conf,
    [
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${pw}`,
      'persistence false',
      'max_keepalive 65535',
      'log_type error',
      '',
    ].join('\n'),
  );
  const proc = spawn('bash', ['-c', `ulimit -n 20000; exec mosquitto -c ${conf}`], { stdio: 'ignore' });
  await sleep(800);
  if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}`);
  return { proc, port, pid: proc.pid! }; // exec: the shell became mosquitto
}
