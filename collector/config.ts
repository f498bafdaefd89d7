import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadConfig as loadInfraConfig, parseConfig as parseInfraConfig, type ConfigOptions } from '../infra/config.ts';
import { CollectorError } from './errors.ts';
import { PresenceConfig } from './presence/config.ts';
import { DEFAULT_DATABASE } from '../devices/storage/measurements.ts';

/** InfluxDB duration literal, e.g. '730d', '52w', 'INF' (retention policies). */
const Duration = z
  .string()
  .regex(/^(INF|(\d+(ns|u|µ|ms|s|m|h|d|w))+)$/, 'thời lượng InfluxDB, ví dụ "730d" (InfluxDB duration)');

const Broker = z
  .strictObject({
    url: z.string().regex(/^(mqtts?|tcp|tls|wss?):\/\//, 'mqtt://host:port, mqtts://…'),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    /** read at load time; keeps the secret out of the config file */
    passwordFile: z.string().min(1).optional(),
    /** PEM file of the CA that signed the broker's certificate (mqtts) */
    ca: z.string().min(1).optional(),
  })
  .refine((b) => (b.password === undefined) !== (b.passwordFile === undefined), {
    message: 'cần đúng một trong password hoặc passwordFile (exactly one of password, passwordFile)',
    path: ['password'],
  });

const Influx = z.strictObject({
  url: z.url(),
  database: z.string().min(1).default(DEFAULT_DATABASE),
  rawRetention: Duration.default('730d'),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

export const CollectorConfig = z.strictObject({
  broker: Broker,
  influx: Influx,
  registryPath: z.string().min(1),
  spoolDir: z.string().min(1),
  /** bound of the disk spool; past it new batches are not spooled and not acknowledged (devices keep them) */
  spoolMaxBytes: z
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  /** defaults: at 2,000 ratings/s a batch fills in ~50 ms; press→queryable stays well under 250 ms */
  batch: z
    .strictObject({
      maxPoints: z.number().int().min(1).max(50_000).default(1000),
      maxDelayMs: z.number().int().min(1).max(10_000).default(50),
    })
    .default({ maxPoints: 1000, maxDelayMs: 50 }),
  clientId: z.string().min(1).max(64).default('collector'),
  /** how long an ack publish may take before it is counted as failed */
  ackTimeoutMs: z.number().int().positive().default(5000),
  /** HTTP timeout of one InfluxDB write */
  writeTimeoutMs: z.number().int().positive().default(10_000),
  /** presence, device state, camera and alert settings (collector/presence/config.ts) */
  presence: PresenceConfig.optional(),
  /** several collectors sharing the communes of a province (collector/partition/); clientId must be unique */
  partition: z
    .strictObject({
      redisUrl: z.url({ protocol: /^rediss?$/ }),
      /** a collector silent this long loses its communes to the others */
      leaseMs: z.number().int().min(300).max(600_000).default(10_000),
    })
    .optional(),
});
export type CollectorConfigInput = z.input<typeof CollectorConfig>;
/** The validated config with its secrets resolved: broker.password always set, broker.caPem read from broker.ca. */
export type CollectorConfig = Readonly<z.output<typeof CollectorConfig>> & {
  broker: { password: string; caPem?: string };
};

/** COLLECTOR_CONFIG_INVALID / COLLECTOR_CONFIG_UNREADABLE, every problem with its path */
const CONFIG: ConfigOptions = {
  what: 'cấu hình collector',
  error: (f) =>
    new CollectorError(
      f.kind === 'unreadable' ? 'COLLECTOR_CONFIG_UNREADABLE' : 'COLLECTOR_CONFIG_INVALID',
      f.message,
      f.problems,
    ),
};

/** Validate a config object; every problem is reported with its path. Secrets from files are resolved here. */
export function parseConfig(
  raw: unknown,
  source = 'config',
  readFile = (p: string) => readFileSync(p, 'utf8'),
): CollectorConfig {
  return resolveSecrets(parseInfraConfig(CollectorConfig, raw, source, CONFIG), readFile);
}

/** broker.password from its file, broker.caPem from broker.ca */
function resolveSecrets(cfg: z.output<typeof CollectorConfig>, readFile: (p: string) => string): CollectorConfig {
  const read = (path: string, field: string) => {
    try {
      return readFile(path);
    } catch (err) {
      const problem = `broker.${field}: không đọc được ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      throw new CollectorError('COLLECTOR_PASSWORD_FILE', problem, [problem]);
    }
  };
  const password = cfg.broker.password ?? read(cfg.broker.passwordFile!, 'passwordFile').trim();
  const caPem = cfg.broker.ca === undefined ? undefined : read(cfg.broker.ca, 'ca');
  return Object.freeze({ ...cfg, broker: Object.freeze({ ...cfg.broker, password, caPem }) }) as CollectorConfig;
}

/** Read a YAML or JSON config file (composition root only). */
export function loadConfig(path: string): CollectorConfig {
  return resolveSecrets(loadInfraConfig(CollectorConfig, path, CONFIG), (p) => readFileSync(p, 'utf8'));
}
