import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll } from 'vitest';
import { parseRegistry, type Registry, type RegistryFile } from '../../devices/registry/index.ts';
import { demoRegistry, type DemoOptions } from '../../simulator/demo-registry.ts';
import { silentLogger, type Logger } from '../../infra/logger.ts';
import { parseBrokerConfig, type BrokerConfigInput } from '../../broker/config.ts';
import { startBroker, type RunningBroker, type TlsMaterial } from '../../broker/index.ts';
import { connectAs } from '../support/device-client.ts';

/** Cheap scrypt cost for tests: the same code path, a fraction of the CPU. */
export const CHEAP = { N: 1024, r: 8, p: 1 };

export const BOX = 'xa1-quay1-box';
export const BOX2 = 'xa1-quay2-box';
export const SPEAKER = 'xa1-ap1-loa';

export { waitFor } from '../harness/wait.ts';

/** A broker on a free port with a demo registry; closed (with its clients) after the file's tests. */
export async function startTestBroker(
  opts: {
    config?: Partial<BrokerConfigInput>;
    demo?: DemoOptions;
    mutate?: (file: RegistryFile) => void;
    tls?: TlsMaterial;
    log?: Logger;
  } = {},
) {
  const demo = await demoRegistry({ cost: CHEAP, ...opts.demo });
  opts.mutate?.(demo.file);
  const registry: Registry = parseRegistry(JSON.stringify(demo.file));
  const config = parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath: '(test)', ...opts.config });
  const broker: RunningBroker = await startBroker({
    config,
    registry,
    log: opts.log ?? silentLogger,
    ...(opts.tls ? { tls: opts.tls } : {}),
  });
  const clients: MqttClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await broker.close();
  });

  /** connect as a registry id with its real password (override anything via opts) */
  async function connect(id: string, opts: IClientOptions & { url?: string } = {}): Promise<MqttClient> {
    const { url = `mqtt://127.0.0.1:${broker.port}`, ...rest } = opts;
    const client = await connectAs(url, id, demo.secrets[id], rest);
    clients.push(client);
    return client;
  }

  return { broker, registry, secrets: demo.secrets, connect, clients };
}

export type Received = { topic: string; payload: string; retain: boolean };

/** subscribe and record every message (resolves once the SUBACK is in) */
export async function collect(client: MqttClient, filters: string[]): Promise<Received[]> {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filters, { qos: 1 });
  return got;
}

/** publish QoS 1 and wait for the PUBACK, with a deadline (never await a publish without one) */
export async function publishAcked(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  opts: { retain?: boolean; qos?: 0 | 1 } = {},
  timeoutMs = 20_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PUBACK for ${topic} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** a connect that must be refused: resolves with the CONNACK return code carried by mqtt.js' error */
export async function refusedCode(url: string, opts: IClientOptions): Promise<number | string | undefined> {
  try {
    const c = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 20_000, protocolVersion: 4, ...opts });
    await c.endAsync(true);
  } catch (err) {
    return (err as { code?: number | string }).code;
  }
  throw new Error('connection was accepted');
}

/** SUBSCRIBE and return the SUBACK's per-topic codes (0x80 = refused); mqtt.js fails the whole call on one refusal */
export function subscribeGranted(client: MqttClient, filters: string[], timeoutMs = 20_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no SUBACK')), timeoutMs);
    client.subscribe(filters, { qos: 1 }, (_err, _subs, packet) => {
      clearTimeout(timer);
      const granted = (packet as { granted?: number[] } | undefined)?.granted;
      if (!granted) return reject(_err ?? new Error('SUBACK without codes'));
      resolve(granted.map((g) => (typeof g === 'number' ? g : ((g as { reasonCode?: number }).reasonCode ?? -1))));
    });
  });
}
