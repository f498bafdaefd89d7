import { DEFAULT_LEVELS, type LevelKey } from '../devices/levels.ts';
import { systemClock, type Clock } from '../infra/clock.ts';
import { silentLogger, type Logger } from '../infra/logger.ts';
import { startBridge, type Bridge } from '../firmware-bridge/bridge.ts';
import { FakeTimeSource } from '../firmware-bridge/clock/sources.ts';
import { TrustedClock } from '../firmware-bridge/clock/trusted-time.ts';
import { parseConfig, type BridgeConfigInput } from '../firmware-bridge/config.ts';
import { FakeIO } from '../firmware-bridge/io/fake-io.ts';
import { openJohnnyFiveBoard } from '../firmware-bridge/io/johnny-five.ts';
import type { MqttFactory } from '../firmware-bridge/link.ts';
import type { RatingBoxConfigInput } from '../firmware-bridge/rating-box/config.ts';
import type { RatingBoxUnit } from '../firmware-bridge/rating-box/unit.ts';
import type { UnitBuilder } from '../firmware-bridge/unit.ts';

/**
 * A rating box without hardware, for the device simulator and tests: the real bridge (outbox, link,
 * johnny-five Button/Led) over a FakeIO, with `press(level)` driving the button pin like a finger.
 * Many can run in one process (each has its own board, data dir and MQTT client).
 */
export const VIRTUAL_PINS = { buttons: [2, 3, 4, 5], led: 13, buzzer: 8 } as const;

export type VirtualBoxOptions = {
  deviceId: string;
  brokerUrl: string;
  password: string;
  dataDir: string;
  levels?: LevelKey[];
  /** false: no rating box (e.g. a virtual loudspeaker built from `units`); default true */
  ratingBox?: boolean;
  lockoutMs?: number;
  debounceMs?: number;
  heartbeatMs?: number;
  /** default: the system clock, trusted (flip `timeSource.value` to simulate an unsynced Pi) */
  clock?: Clock;
  synced?: boolean;
  bootId?: string;
  log?: Logger;
  mqttFactory?: MqttFactory;
  units?: UnitBuilder[];
  /** the rating box's dossier/officer section (scanner device, one-stop binding) */
  service?: RatingBoxConfigInput['service'];
  /** extra config (outbox limits, broker timings), merged over the defaults */
  config?: Partial<BridgeConfigInput>;
};

export type VirtualBox = {
  readonly bridge: Bridge;
  /** the rating box unit, unless built with ratingBox: false */
  readonly ratingBox?: RatingBoxUnit;
  readonly io: FakeIO;
  readonly timeSource: FakeTimeSource;
  readonly time: TrustedClock;
  readonly pins: Partial<Record<LevelKey, number>>;
  /** press and release one button (waits until johnny-five reported both edges) */
  press(level: LevelKey, holdMs?: number): Promise<void>;
  ledOn(): boolean;
  buzzerOn(): boolean;
  stop(): Promise<void>;
};

export async function startVirtualBox(opts: VirtualBoxOptions): Promise<VirtualBox> {
  const levels = opts.ratingBox === false ? [] : (opts.levels ?? [...DEFAULT_LEVELS]);
  const pins = Object.fromEntries(levels.map((l, i) => [l, VIRTUAL_PINS.buttons[i] ?? 20 + i])) as Partial<
    Record<LevelKey, number>
  >;
  const ratingBox = {
    buttons: pins,
    levels,
    leds: { ack: VIRTUAL_PINS.led },
    buzzerPin: VIRTUAL_PINS.buzzer,
    lockoutMs: opts.lockoutMs ?? 3_000,
    debounceMs: opts.debounceMs ?? 50,
    ...(opts.service ? { service: opts.service } : {}),
  };
  const config = parseConfig({
    deviceId: opts.deviceId,
    broker: { url: opts.brokerUrl, password: opts.password, reconnectMinMs: 200, reconnectMaxMs: 5_000 },
    dataDir: opts.dataDir,
    io: { kind: 'fake' },
    heartbeatMs: opts.heartbeatMs ?? 60_000,
    clock: { sources: [], pollMs: 200 },
    ...opts.config,
    units: opts.ratingBox === false ? {} : { ratingBox },
  });
  const clock = opts.clock ?? systemClock;
  const io = new FakeIO();
  const timeSource = new FakeTimeSource(opts.synced ?? true);
  const time = new TrustedClock({ clock, sources: [timeSource], pollMs: config.clock.pollMs });
  const bridge = await startBridge({
    config,
    board: () => openJohnnyFiveBoard({ io }, 'virtual'),
    clock,
    time,
    password: opts.password,
    log: opts.log ?? silentLogger,
    bootId: opts.bootId,
    mqttFactory: opts.mqttFactory,
    units: opts.units,
  });
  const box = bridge.units.find((u): u is RatingBoxUnit => u.name === 'rating-box');
  const waitEdges = async (n: number) => {
    for (let i = 0; box && box.edges < n && i < 5_000; i++) await new Promise((r) => setTimeout(r, 2));
  };
  return {
    bridge,
    ratingBox: box,
    io,
    timeSource,
    time,
    pins,
    async press(level, holdMs = 0) {
      const pin = pins[level];
      if (!box || pin === undefined) throw new Error(`this virtual box has no button for ${level}`);
      const before = box.edges;
      io.setLevel(pin, 0); // pull-up: pressed reads LOW
      await waitEdges(before + 1);
      if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
      io.setLevel(pin, 1);
      await waitEdges(before + 2);
      // the next press must come after the debounce quiet time
      if (clock === systemClock) await new Promise((r) => setTimeout(r, (config.units.ratingBox?.debounceMs ?? 0) + 5));
    },
    ledOn: () => io.level(VIRTUAL_PINS.led) === 1,
    buzzerOn: () => io.level(VIRTUAL_PINS.buzzer) === 1,
    stop: () => bridge.stop(),
  };
}
