import { ensureDownsampling } from './downsampling.ts';
import { loadRegistry } from '../devices/registry/index.ts';
import { systemClock } from '../infra/clock.ts';
import { runService } from '../infra/service.ts';
import { loadConfig } from './config.ts';
import { collectorExtensions } from './extensions.ts';
import { startCollector } from './collector.ts';
import { runPartitioned } from './partition/runner.ts';

/**
 * Composition root: `tsx collector/main.ts --config <file>` (or COLLECTOR_CONFIG=<file>).
 * SIGINT/SIGTERM: flush, then close (argv, signals and exit codes: infra/service.ts).
 */
void runService({
  name: 'collector',
  usage: 'thiếu tệp cấu hình: dùng --config <tệp> hoặc biến COLLECTOR_CONFIG',
  configEnv: 'COLLECTOR_CONFIG',
  loadConfig,
  async start({ config, configPath, log }) {
    const registry = loadRegistry(config.registryPath);
    const start = (view: typeof registry, topicFilters?: Parameters<typeof startCollector>[0]['topicFilters']) =>
      startCollector({
        config,
        registry: view,
        log,
        clock: systemClock,
        extensions: collectorExtensions(config),
        // daily aggregates kept for years beside the raw points (devices/storage/, applied by downsampling.ts)
        setup: [
          (influx, database) =>
            ensureDownsampling(influx, database, { rawRetention: config.influx.rawRetention }).then(() => undefined),
        ],
        ...(topicFilters ? { topicFilters } : {}),
      });
    const collector = config.partition
      ? await runPartitioned({ config, registry, log, clock: systemClock, start })
      : await start(registry);
    log.info({ config: configPath }, 'collector started');
    return { stop: () => collector.close() };
  },
});
