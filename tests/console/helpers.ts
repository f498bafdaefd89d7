import { afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker, parseBrokerConfig, type RunningBroker } from '../../broker/index.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry, type DemoOptions, type DemoSecrets } from '../../simulator/demo-registry.ts';
import { silentLogger } from '../../infra/logger.ts';
import type { Clock } from '../../infra/clock.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { tempDir } from '../harness/temp.ts';
import { apiRequest } from '../support/console-api.ts';
import type { ScheduleDocument } from '../../devices/contract/index.ts';
import { verifySchedule } from '../../devices/schedule-signature.ts';
import { topicFor } from '../../devices/topics.ts';

export const CHEAP = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'mat-khau-thu-nghiem';

/** Poll until fn returns a truthy value; generous deadline, no fixed sleeps. */

export { waitFor } from '../harness/wait.ts';

export type Env = {
  registry: Registry;
  secrets: DemoSecrets;
  broker: RunningBroker;
  console: RunningConsole;
  dataDir: string;
  restart(): Promise<RunningConsole>;
  /** the broker goes away and comes back on the same port with no memory (sessions, retained messages) */
  restartBroker(): Promise<void>;
  /** the whole system restarts: console stopped, broker restarted with no memory, console started again */
  restartAll(): Promise<void>;
  login(username: string): Promise<string>;
  api(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  speakerClient(speakerId: string): Promise<MqttClient>;
};

/** Two communes (90001: xa1-ap1..3, 90002: xa2-ap1..3), a real broker, the console, and one user per role. */
export async function consoleEnv(
  overrides: Record<string, unknown> = {},
  clock?: Clock,
  demo: DemoOptions = {},
): Promise<Env> {
  const { yaml, secrets } = await demoRegistry({
    communes: 2,
    hamletsPerCommune: 3,
    countersPerCommune: 1,
    cost: CHEAP,
    withDistrict: true,
    ...demo,
  });
  const registry = parseRegistry(yaml);
  const startOn = (port: number) =>
    startBroker({
      config: parseBrokerConfig({ host: '127.0.0.1', port, registryPath: 'in-memory' }),
      registry,
      log: silentLogger,
    });
  const broker = await startOn(0);
  const dataDir = tempDir('tt-console-');
  const config = parseConfig({
    dataDir,
    registryPath: 'in-memory',
    http: { port: 0, secureCookies: false },
    mqtt: {
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: 'console',
      password: secrets.console,
      publishTimeoutMs: 15_000,
    },
    ...overrides,
  });
  const start = () => startConsole({ config, registry, log: silentLogger, hashCost: CHEAP, clock });
  const env: Env = {
    registry,
    secrets,
    broker,
    dataDir,
    console: await start(),
    async restart() {
      await env.console.close();
      env.console = await start();
      return env.console;
    },
    async restartBroker() {
      const port = env.broker.port;
      await env.broker.close();
      env.broker = await startOn(port);
    },
    async restartAll() {
      await env.console.close();
      await env.restartBroker();
      env.console = await start();
    },
    async login(username) {
      const r = await env.api(null, 'POST', '/api/session', { username, password: PASSWORD });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    api(token, method, path, body) {
      return apiRequest(env.console.url, token, method, path, body);
    },
    async speakerClient(id) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.broker.port}`, {
        clientId: id,
        username: id,
        password: secrets[id],
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      clients.push(c);
      return c;
    },
  };
  const clients: MqttClient[] = [];
  // staff and leader of the first two communes; the district account reads every commune
  const codes = [...registry.communes.keys()];
  const users = [
    { username: 'canbo1', role: 'staff', communes: [codes[0]] },
    { username: 'lanhdao1', role: 'leader', communes: [codes[0]] },
    { username: 'canbo2', role: 'staff', communes: [codes[1]] },
    { username: 'lanhdao2', role: 'leader', communes: [codes[1]] },
    { username: 'huyen', role: 'district', communes: codes },
    { username: 'quantri', role: 'admin', communes: [] },
  ];
  for (const u of users) await env.console.users.create({ ...u, password: PASSWORD }, 'test');
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await env.console.close();
    await env.broker.close();
  });
  return env;
}

export function nextYear(): number {
  return new Date().getUTCFullYear() + 1;
}

/** consoleEnv plus a leader of province 99 ('tinh-ld'); both that leader and lanhdao1 (commune 90001) signed in */
export async function provinceLeaderEnv(): Promise<{ env: Env; tinhLeader: string; leader1: string }> {
  const env = await consoleEnv();
  await env.console.users.create(
    { username: 'tinh-ld', password: PASSWORD, role: 'leader', level: 'province', unit: '99' },
    'test',
  );
  const [tinhLeader, leader1] = await Promise.all(['tinh-ld', 'lanhdao1'].map((u) => env.login(u)));
  return { env, tinhLeader, leader1 };
}

/**
 * A speaker of `place` (by default hamlet xa1-ap1 of commune 90001) subscribed to its schedule topic: every
 * schedule it receives that verifies under the commune's key for that speaker and hamlet is pushed to `docs`.
 */
export async function scheduleReader(
  env: Env,
  speakerId: string,
  docs: ScheduleDocument[],
  place: { hamlet: string; commune: string } = { hamlet: 'xa1-ap1', commune: '90001' },
): Promise<MqttClient> {
  const speaker = await env.speakerClient(speakerId);
  speaker.on('message', (_t, payload) => {
    const r = verifySchedule(JSON.parse(payload.toString()), env.console.keys.get(place.commune)!.publicKeyPem, {
      speaker: speakerId,
      ...place,
      minVersion: 1,
    });
    if (r.ok) docs.push(r.doc);
  });
  await speaker.subscribeAsync(topicFor(speakerId, 'schedule'), { qos: 1 });
  return speaker;
}
