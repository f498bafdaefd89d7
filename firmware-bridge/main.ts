import { readFileSync } from 'node:fs';
import { systemClock } from '../infra/clock.ts';
import { EXIT, runService } from '../infra/service.ts';
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
 * The only place that reads files; argv, signals and exit codes are infra/service.ts'. SIGINT/SIGTERM stop cleanly
 * (retained 'offline', outbox closed).
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
      return async () =>
        openGpiodBoard({
          chip: io.chip,
          ...(io.gpiosetBin ? { gpiosetBin: io.gpiosetBin } : {}),
          ...(io.gpiomonBin ? { gpiomonBin: io.gpiomonBin } : {}),
        });
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

void runService({
  name: 'firmware-bridge',
  usage: 'cách dùng / usage: tsx firmware-bridge/main.ts --config <bridge.yaml>',
  configEnv: 'BRIDGE_CONFIG',
  loadConfig,
  stopTimeoutMs: 10_000,
  async start({ config, log, exit }) {
    const password = brokerPassword(config);
    const ca = config.broker.ca ? readFileSync(config.broker.ca) : undefined;
    const time = new TrustedClock({
      clock: systemClock,
      sources: timeSources(config),
      pollMs: config.clock.pollMs,
      log: log.child({ component: 'clock' }),
    });
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
    if (bridge.stats().boardError) {
      // keep draining the outbox for a while, then exit so the service manager restarts us and retries the board
      systemClock.setTimeout(() => exit('board-retry', EXIT.RESTART), 60_000);
    }
    return { stop: () => bridge.stop() };
  },
});
