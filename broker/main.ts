/**
 * Composition root of the broker: the only file that reads argv, env and files.
 *   tsx broker/main.ts --config broker.yaml        (or BROKER_CONFIG=broker.yaml)
 * Exit codes: 0 after SIGINT/SIGTERM, 2 usage, 1 invalid config/registry or failed start.
 */
import { readFileSync } from 'node:fs';
import { RegistryError, loadRegistry } from '../devices/registry/index.ts';
import { createLogger } from '../infra/logger.ts';
import type { BrokerConfig } from './config.ts';
import { BrokerError, loadBrokerConfig, startBroker, type RunningBroker, type TlsMaterial } from './index.ts';
import { readSecret } from './shared-auth-cache.ts';

const log = createLogger('broker');

function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--config='))?.slice('--config='.length) ?? process.env.BROKER_CONFIG;
}

function readTls(tls: NonNullable<BrokerConfig['tls']>): TlsMaterial {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new BrokerError('BROKER_TLS_MATERIAL_MISSING', `không đọc được tệp TLS`, [`tls.${what}: ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
  };
  return { cert: read('cert', tls.cert), key: read('key', tls.key), ...(tls.ca ? { ca: read('ca', tls.ca) } : {}) };
}

async function main(): Promise<void> {
  const path = configPath(process.argv.slice(2));
  if (!path) {
    console.error('Cách dùng: tsx broker/main.ts --config <broker.yaml|.json>   (hoặc biến môi trường BROKER_CONFIG)');
    process.exit(2);
  }
  const config = loadBrokerConfig(path);
  const registry = loadRegistry(config.registryPath);
  const broker = await startBroker({
    config,
    registry,
    log,
    ...(config.tls ? { tls: readTls(config.tls) } : {}),
    ...(config.sharedAuthCache ? { authCacheSecret: readSecret(config.sharedAuthCache.secretFile) } : {}),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, stats: broker.stats() }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    broker.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => reloadRegistryFile(broker, config.registryPath));
}

/**
 * SIGHUP (systemctl reload): read the registry file again and apply it without a restart. An invalid file is
 * refused and the running registry kept: a typo must not log the province's devices out.
 */
function reloadRegistryFile(broker: RunningBroker, path: string): void {
  try {
    broker.reloadRegistry(loadRegistry(path));
  } catch (err) {
    const problems = err instanceof RegistryError ? err.problems : [(err as Error).message];
    log.error({ path, problems: problems.slice(0, 20) }, 'registry reload refused: the running registry is kept');
  }
}

// A bug in one client's handling must not take the commune's network down: log and keep serving.
process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

main().catch((err: unknown) => {
  if (err instanceof BrokerError || err instanceof RegistryError) {
    console.error(`[${err.code}] ${err.message}`);
  } else {
    log.fatal({ err }, 'broker failed to start');
  }
  process.exit(1);
});
