/**
 * Composition root of the broker: the only file that reads files; argv, env, signals and exit codes are the
 * service runner's (infra/service.ts).
 *   tsx broker/main.ts --config broker.yaml        (or BROKER_CONFIG=broker.yaml)
 */
import { readFileSync } from 'node:fs';
import { loadRegistry } from '../devices/registry/index.ts';
import { runService } from '../infra/service.ts';
import type { BrokerConfig } from './config.ts';
import { BrokerError, loadBrokerConfig, startBroker, type RunningBroker, type TlsMaterial } from './index.ts';
import { memoryReport } from './memory-report.ts';
import { readSecret } from './shared-auth-cache.ts';

/** read and validate the registry file, then apply it (throws a RegistryError, the running registry untouched) */
function reloadRegistryFile(broker: RunningBroker, path: string): void {
  broker.reloadRegistry(loadRegistry(path));
}

function readTls(tls: NonNullable<BrokerConfig['tls']>): TlsMaterial {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new BrokerError('BROKER_TLS_MATERIAL_MISSING', `không đọc được tệp TLS`, [
        `tls.${what}: ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      ]);
    }
  };
  return { cert: read('cert', tls.cert), key: read('key', tls.key), ...(tls.ca ? { ca: read('ca', tls.ca) } : {}) };
}

void runService({
  name: 'broker',
  usage: 'Cách dùng: tsx broker/main.ts --config <broker.yaml|.json>   (hoặc biến môi trường BROKER_CONFIG)',
  configEnv: 'BROKER_CONFIG',
  loadConfig: loadBrokerConfig,
  stopTimeoutMs: 10_000,
  keepServingOnUncaught: true,
  async start({ config, log }) {
    const registry = loadRegistry(config.registryPath);
    const broker = await startBroker({
      config,
      registry,
      log,
      ...(config.tls ? { tls: readTls(config.tls) } : {}),
      ...(config.sharedAuthCache ? { authCacheSecret: readSecret(config.sharedAuthCache.secretFile) } : {}),
    });
    // SIGUSR2: one log line of what the memory is made of (broker/memory-report.ts)
    const onReport = () =>
      void memoryReport(broker.stats().clients, 2000).then((report) => log.info({ report }, 'memory report'));
    process.on('SIGUSR2', onReport);
    return {
      async stop() {
        process.off('SIGUSR2', onReport);
        log.info({ stats: broker.stats(), cluster: broker.cluster() }, 'broker stats at stop');
        await broker.close();
      },
      // SIGHUP (systemctl reload): the registry re-read and applied without a restart; an invalid file is
      // refused (the runner logs it) and the running registry kept: a typo must not log the province out
      async reload() {
        reloadRegistryFile(broker, config.registryPath);
      },
    };
  },
});
