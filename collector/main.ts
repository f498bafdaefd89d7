import { ensureDownsampling } from './downsampling.ts';
import { loadRegistry } from '../devices/registry/index.ts';
import { systemClock } from '../infra/clock.ts';
import { createLogger } from '../infra/logger.ts';
import { loadConfig } from './config.ts';
import { collectorExtensions } from './extensions.ts';
import { startCollector } from './collector.ts';
import { runPartitioned } from './partition/runner.ts';

/**
 * Composition root: `tsx collector/main.ts --config <file>` (or COLLECTOR_CONFIG=<file>).
 * SIGINT/SIGTERM: flush, then close; a second signal exits at once.
 */
function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : process.env.COLLECTOR_CONFIG;
}

async function main(): Promise<void> {
  const log = createLogger('collector');
  const path = configPath(process.argv.slice(2));
  if (!path) {
    log.fatal('thiếu tệp cấu hình: dùng --config <tệp> hoặc biến COLLECTOR_CONFIG');
    process.exit(2);
  }
  let collector;
  try {
    const config = loadConfig(path);
    const registry = loadRegistry(config.registryPath);
    const start = (view: typeof registry, topicFilters?: Parameters<typeof startCollector>[0]['topicFilters']) =>
      startCollector({
        config,
        registry: view,
        log,
        clock: systemClock,
        extensions: collectorExtensions(config),
        // daily aggregates kept for years beside the raw points (devices/storage/, applied by downsampling.ts)
        setup: [(influx, database) => ensureDownsampling(influx, database, { rawRetention: config.influx.rawRetention }).then(() => undefined)],
        ...(topicFilters ? { topicFilters } : {}),
      });
    collector = config.partition ? await runPartitioned({ config, registry, log, clock: systemClock, start }) : await start(registry);
  } catch (err) {
    const e = err as Error & { code?: string; problems?: string[] };
    log.fatal({ code: e.code, problems: e.problems }, e.message);
    process.exit(2);
  }
  log.info({ config: path }, 'collector started');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping: flushing');
    collector.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
