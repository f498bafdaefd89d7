import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from '../infra/clock.ts';
import { createLogger } from '../infra/logger.ts';
import { startBridge } from './bridge.ts';
import { rtcSource, timedatectlSource, timesyncdSource, FakeTimeSource, type TimeSource } from './clock/sources.ts';
import { TrustedClock } from './clock/trusted-time.ts';
import { brokerPassword, loadConfig, type BridgeConfig } from './config.ts';
import { FakeIO } from './io/fake-io.ts';
import { openGpiodBoard } from './io/gpiod.ts';
import type { GpioBoard } from './io/io.ts';
import { openJohnnyFiveBoard, openRaspiBoard } from './io/johnny-five.ts';

/**
 * Composition root of the bridge on a Pi:  tsx firmware-bridge/main.ts --config /etc/thanthien/bridge.yaml
 * The only place that reads argv, env and files. SIGINT/SIGTERM stop cleanly (retained 'offline', outbox closed).
 * Env TT_BOOT_ID overrides the kernel boot id (tests of the simulator only).
 */
function boardFactory(config: BridgeConfig): () => Promise<GpioBoard> {
  switch (config.io.kind) {
    case 'firmata': {
      const port = config.io.port;
      return () => openJohnnyFiveBoard(port ? { port } : {}, 'firmata');
    }
    case 'raspi':
      return () => openRaspiBoard();
    case 'fake':
      return () => openJohnnyFiveBoard({ io: new FakeIO() }, 'fake');
    case 'gpiod': {
      const io = config.io;
      return async () => openGpiodBoard({ chip: io.chip, ...(io.gpiosetBin ? { gpiosetBin: io.gpiosetBin } : {}), ...(io.gpiomonBin ? { gpiomonBin: io.gpiomonBin } : {}) });
    }
  }
}

function timeSources(config: BridgeConfig): TimeSource[] {
  const sources: TimeSource[] = [rtcSource(config.clock.rtc)];
  for (const name of config.clock.sources) sources.push(name === 'timesyncd' ? timesyncdSource() : timedatectlSource());
  // the fake IO is a simulator: its host's clock is trusted
  if (config.io.kind === 'fake') sources.push(new FakeTimeSource(true));
  return sources;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  const log = createLogger('firmware-bridge');
  if (!values.config) {
    console.error('cách dùng / usage: tsx firmware-bridge/main.ts --config <bridge.yaml>');
    process.exit(2);
  }
  let config: Readonly<BridgeConfig>;
  let password: string;
  try {
    config = loadConfig(values.config);
    password = brokerPassword(config);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const ca = config.broker.ca ? readFileSync(config.broker.ca) : undefined;
  const time = new TrustedClock({ clock: systemClock, sources: timeSources(config), pollMs: config.clock.pollMs, log: log.child({ component: 'clock' }) });
  const bridge = await startBridge({
    config,
    board: boardFactory(config),
    clock: systemClock,
    time,
    password,
    ca,
    log,
    bootId: process.env.TT_BOOT_ID || undefined,
  });
  log.info({ device: config.deviceId, boot: bridge.boot }, 'bridge started');
  const { boardError } = bridge.stats();
  if (boardError) {
    // keep draining the outbox for a while, then exit so the service manager restarts us and retries the board
    setTimeout(() => shutdown('board-retry', 3), 60_000).unref();
  }
  const keepAlive = setInterval(() => undefined, 1 << 30); // the system clock's timers are unref'd
  function shutdown(signal: string, code = 0) {
    log.info({ signal }, 'stopping');
    clearInterval(keepAlive);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void bridge.stop().then(() => process.exit(code));
  }
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
