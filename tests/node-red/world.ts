import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions, MqttClient } from 'mqtt';
import { parseBrokerConfig } from '../../broker/config.ts';
import { startBroker, type RunningBroker } from '../../broker/index.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { freePort } from '../../infra/ports.ts';
import { silentLogger } from '../../infra/logger.ts';
import { connectAs } from '../support/device-client.ts';

/** Cheap scrypt cost for tests: the same code path, a fraction of the CPU. */
export const CHEAP = { N: 1024, r: 8, p: 1 };

export { waitFor } from '../harness/wait.ts';

/**
 * The project broker (broker/) over real TCP with a demo registry of two communes (xa1 = 90001, xa2 = 90002),
 * its YAML written to `dir` for the config node. stop()/start() keep the port, for reconnection tests.
 */
export async function startWorld(dir: string) {
  const demo = await demoRegistry({ communes: 2, cost: CHEAP });
  const registry: Registry = parseRegistry(demo.yaml);
  const registryPath = join(dir, 'registry.yaml');
  writeFileSync(registryPath, demo.yaml);
  const port = await freePort();
  const config = parseBrokerConfig({ host: '127.0.0.1', port, registryPath, statsIntervalMs: 60_000 });
  let broker: RunningBroker | undefined;
  const clients: MqttClient[] = [];
  const world = {
    registry,
    registryPath,
    secrets: demo.secrets,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      broker ??= await startBroker({ config, registry, log: silentLogger });
    },
    async stop() {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
      await broker?.close();
      broker = undefined;
    },
    /** connect as a registry id with its real password */
    async connect(id: string, opts: IClientOptions = {}): Promise<MqttClient> {
      const client = await connectAs(world.url, id, demo.secrets[id], opts);
      clients.push(client);
      return client;
    },
  };
  await world.start();
  return world;
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** publish QoS 1 and wait for the PUBACK, with a deadline (never await a publish without one) */
export async function publishAcked(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  retain = false,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PUBACK for ${topic}`)), 20_000);
  });
  try {
    await Promise.race([client.publishAsync(topic, payload, { qos: 1, retain }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
