import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { freePort } from '../../infra/ports.ts';

export type ServerSetup = {
  brokerPort: number;
  consolePort: number;
  secrets: Record<string, string>;
  /** paths of the config files, as the services will see them */
  files: { broker: string; collector: string; console: string; registry: string };
};

/**
 * The server's config files (registry, broker, collector, console) written into `etcDir`, naming paths as seen
 * from `seenAs` (the same dir, or e.g. /etc/thanthien inside a Debian root) and data under `dataDir`.
 */
export async function writeServerConfigs(opts: {
  etcDir: string;
  seenAs?: string;
  registryAs?: string;
  dataDir: string;
  influxUrl: string;
  database: string;
}): Promise<ServerSetup> {
  const seen = opts.seenAs ?? opts.etcDir;
  const { yaml, secrets } = await demoRegistry({
    cost: { N: 1024, r: 8, p: 1 },
    countersPerCommune: 1,
    hamletsPerCommune: 1,
  });
  const brokerPort = await freePort();
  const consolePort = await freePort();
  const registry = opts.registryAs ?? join(seen, 'registry.yaml');
  writeFileSync(join(opts.etcDir, 'registry.yaml'), yaml);
  writeFileSync(
    join(opts.etcDir, 'broker.yaml'),
    stringify({ host: '127.0.0.1', port: brokerPort, registryPath: registry }),
  );
  writeFileSync(
    join(opts.etcDir, 'collector.yaml'),
    stringify({
      broker: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'collector', password: secrets.collector },
      influx: { url: opts.influxUrl, database: opts.database },
      registryPath: registry,
      spoolDir: join(opts.dataDir, 'collector/spool'),
    }),
  );
  writeFileSync(
    join(opts.etcDir, 'console.yaml'),
    stringify({
      dataDir: join(opts.dataDir, 'console'),
      registryPath: registry,
      http: { host: '127.0.0.1', port: consolePort, secureCookies: false },
      mqtt: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'console', password: secrets.console },
    }),
  );
  return {
    brokerPort,
    consolePort,
    secrets,
    files: {
      broker: join(seen, 'broker.yaml'),
      collector: join(seen, 'collector.yaml'),
      console: join(seen, 'console.yaml'),
      registry,
    },
  };
}
