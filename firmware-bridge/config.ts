import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Id } from '../devices/ids.ts';
import { loadConfig as loadInfraConfig, parseConfig as parseInfraConfig, type ConfigOptions } from '../infra/config.ts';
import { BridgeError } from './errors.ts';
import { PressLogConfig } from './rating-box/config.ts';
import { UNIT_SECTIONS } from './unit-sections.ts';

/** The bridge's config file (YAML or JSON), validated once by the composition root, then frozen. */
const BrokerConfig = z
  .strictObject({
    url: z.string().regex(/^(mqtts?|tcp|tls|wss?):\/\/.+/, 'URL dạng mqtt://host:1883 hoặc mqtts://host:8883'),
    password: z.string().min(1).optional(),
    /** a file holding the password (kept out of the config, e.g. /etc/thanthien/password, mode 0600) */
    passwordFile: z.string().min(1).optional(),
    /** CA certificate (PEM) for mqtts:// when the broker uses the commune's own CA */
    ca: z.string().min(1).optional(),
    keepaliveS: z.number().int().min(5).max(600).default(30),
    reconnectMinMs: z.number().int().min(100).default(1_000),
    reconnectMaxMs: z.number().int().min(1_000).default(60_000),
    connectTimeoutMs: z.number().int().min(1_000).default(30_000),
  })
  .refine((b) => (b.password === undefined) !== (b.passwordFile === undefined), {
    message: 'cần đúng một trong password hoặc passwordFile (exactly one of password, passwordFile)',
    path: ['password'],
  });

const IoConfig = z.discriminatedUnion('kind', [
  /** an Arduino with StandardFirmata over USB; no port = auto-detect */
  z.strictObject({ kind: z.literal('firmata'), port: z.string().min(1).optional() }),
  /** the Pi's own GPIO via raspi-io (Pi 1–4; install raspi-io separately) */
  z.strictObject({ kind: z.literal('raspi') }),
  /** the Pi's GPIO through libgpiod's tools (every Pi, including the Pi 5): Debian package `gpiod` */
  z.strictObject({
    kind: z.literal('gpiod'),
    chip: z.string().min(1).default('gpiochip0'),
    gpiosetBin: z.string().min(1).optional(),
    gpiomonBin: z.string().min(1).optional(),
  }),
  /** no hardware (simulator, tests) */
  z.strictObject({ kind: z.literal('fake') }),
]);

const OutboxConfig = z.strictObject({
  maxEntries: z.number().int().min(1).default(100_000),
  maxBytes: z
    .number()
    .int()
    .min(4096)
    .default(64 * 1024 * 1024),
  compactMinBytes: z
    .number()
    .int()
    .min(0)
    .default(256 * 1024),
  /** messages sent and not yet acknowledged by the collector, at most */
  inFlight: z.number().int().min(1).max(1000).default(50),
  publishTimeoutMs: z.number().int().min(100).default(10_000),
  /** a message without the collector's ack after this long is sent again */
  resendAfterMs: z.number().int().min(100).default(30_000),
});

const ClockConfig = z.strictObject({
  sources: z.array(z.enum(['timesyncd', 'timedatectl'])).default(['timesyncd', 'timedatectl']),
  /** a battery-backed RTC is fitted and set: the clock is trusted from boot */
  rtc: z.boolean().default(false),
  pollMs: z.number().int().min(100).default(5_000),
});

export const BridgeConfig = z.strictObject({
  deviceId: Id,
  broker: BrokerConfig,
  dataDir: z.string().min(1),
  io: IoConfig,
  heartbeatMs: z.number().int().min(1_000).default(60_000),
  outbox: OutboxConfig.default(OutboxConfig.parse({})),
  clock: ClockConfig.default(ClockConfig.parse({})),
  pressLog: PressLogConfig.default(PressLogConfig.parse({})),
  /** every unit's section, each validated by its own schema (unit-sections.ts): one bad section refuses the config */
  units: unitSectionsSchema().default({}),
});
export type BridgeConfig = z.infer<typeof BridgeConfig>;

type UnitSectionsShape = { [K in keyof typeof UNIT_SECTIONS]: z.ZodOptional<(typeof UNIT_SECTIONS)[K]> };
function unitSectionsSchema(): z.ZodObject<UnitSectionsShape, z.core.$strict> {
  const shape = Object.fromEntries(Object.entries(UNIT_SECTIONS).map(([key, schema]) => [key, schema.optional()]));
  return z.strictObject(shape as UnitSectionsShape);
}
export type BridgeConfigInput = z.input<typeof BridgeConfig>;

/** BRIDGE_CONFIG_INVALID / BRIDGE_CONFIG_UNREADABLE, every problem with its path */
const CONFIG: ConfigOptions = {
  what: 'cấu hình bridge',
  error: (f) =>
    new BridgeError(
      f.kind === 'unreadable' ? 'BRIDGE_CONFIG_UNREADABLE' : 'BRIDGE_CONFIG_INVALID',
      f.message,
      f.problems,
    ),
};

/** Validate a config object; every problem is reported with its path. Throws BRIDGE_CONFIG_INVALID. */
export function parseConfig(raw: unknown, source = 'config'): Readonly<BridgeConfig> {
  return parseInfraConfig(BridgeConfig, raw, source, CONFIG);
}

/** Read and validate a YAML/JSON config file. */
export function loadConfig(path: string): Readonly<BridgeConfig> {
  return loadInfraConfig(BridgeConfig, path, CONFIG);
}

/** The broker password, from the config or its file (trailing newline trimmed). */
export function brokerPassword(config: BridgeConfig): string {
  if (config.broker.password !== undefined) return config.broker.password;
  try {
    return readFileSync(config.broker.passwordFile!, 'utf8').trim();
  } catch (err) {
    throw new BridgeError(
      'BRIDGE_CONFIG_UNREADABLE',
      `không đọc được passwordFile: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}
