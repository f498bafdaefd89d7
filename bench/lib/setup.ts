import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { freePort } from '../../infra/ports.ts';
import type { LoadDevice } from './devices-load.ts';

/** The benchmark's commune network: 10 communes × 12 counters = 120 rating boxes, each its own MQTT connection. */
export async function benchRegistry(
  dir: string,
): Promise<{ registryPath: string; boxes: LoadDevice[]; secrets: Record<string, string> }> {
  const { yaml, file, secrets } = await demoRegistry({
    communes: 10,
    countersPerCommune: 12,
    hamletsPerCommune: 1,
    cost: { N: 1024, r: 8, p: 1 },
  });
  const registryPath = join(dir, 'registry.yaml');
  writeFileSync(registryPath, yaml);
  const boxes = file.provinces[0].communes.flatMap((c) =>
    c.devices.filter((d) => d.kind === 'rating-box').map((d) => ({ id: d.id, password: secrets[d.id] })),
  );
  return { registryPath, boxes, secrets };
}

/** The project broker as its own process; limits on but set above the offered load (we measure their cost, not their effect). */
export async function startProjectBroker(
  dir: string,
  registryPath: string,
): Promise<{ url: string; proc: ServiceProcess }> {
  const port = await freePort();
  const configPath = join(dir, 'broker.yaml');
  writeFileSync(
    configPath,
    stringify({
      host: '127.0.0.1',
      port,
      registryPath,
      rate: { perSecond: 100_000, burst: 100_000, maxQueued: 100_000 },
    }),
  );
  const proc = new ServiceProcess('broker', ['broker/main.ts', '--config', configPath], /broker listening/, {
    LOG_LEVEL: 'info',
  });
  await proc.start();
  return { url: `mqtt://127.0.0.1:${port}`, proc };
}

export async function startBareAedes(): Promise<{ url: string; proc: ServiceProcess }> {
  const port = await freePort();
  const proc = new ServiceProcess('bare-aedes', ['bench/procs/bare-aedes.ts', String(port)], /^ready/);
  await proc.start();
  return { url: `mqtt://127.0.0.1:${port}`, proc };
}

export async function startProjectCollector(opts: {
  dir: string;
  brokerUrl: string;
  password: string;
  registryPath: string;
  influxUrl: string;
  database: string;
}): Promise<ServiceProcess> {
  const configPath = join(opts.dir, `collector-${opts.database}.yaml`);
  writeFileSync(
    configPath,
    stringify({
      broker: { url: opts.brokerUrl, username: 'collector', password: opts.password },
      influx: { url: opts.influxUrl, database: opts.database },
      registryPath: opts.registryPath,
      spoolDir: join(opts.dir, `spool-${opts.database}`),
      clientId: 'collector',
    }),
  );
  const proc = new ServiceProcess('collector', ['collector/main.ts', '--config', configPath], /collector started/, {
    LOG_LEVEL: 'info',
  });
  await proc.start();
  return proc;
}

export async function startNaive(brokerUrl: string, influxUrl: string, database: string): Promise<ServiceProcess> {
  const proc = new ServiceProcess('naive', ['bench/procs/naive.ts', brokerUrl, influxUrl, database], /^ready/);
  await proc.start();
  return proc;
}

/** The project broker as its own process under `name`, with its config's defaults but for `extra`. */
export async function projectBroker(
  dir: string,
  registryPath: string,
  name: string,
  extra: Record<string, unknown> = {},
) {
  const port = await freePort();
  const configPath = join(dir, `${name}.yaml`);
  writeFileSync(configPath, stringify({ host: '127.0.0.1', port, registryPath, ...extra }));
  const proc = new ServiceProcess(name, ['broker/main.ts', '--config', configPath], /broker listening/, {
    LOG_LEVEL: 'info',
  });
  await proc.start();
  return { port, proc };
}
