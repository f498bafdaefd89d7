import { isIP } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from '../devices/contract/index.ts';
import { AdmissionConfig, ClusterConfig, EmitterConfig, SharedAuthCacheConfig } from './cluster-config.ts';
import { loadConfig, parseConfig, type ConfigOptions } from '../infra/config.ts';
import { BrokerError } from './errors.ts';

/**
 * Broker configuration (YAML or JSON). Paths (registry, TLS files) are relative to the config file.
 * Rate defaults let a rating box drain hours of offline outbox at 50 msg/s without a drop:
 * it is throttled (its PUBACKs slow down), and only a client with more than `maxQueued`
 * messages waiting at once loses messages (counted as publish-rate-dropped).
 */
const Port = z.number().int().min(0).max(65535);
const Path = z.string().min(1);

export const TlsConfig = z.strictObject({
  host: z.string().min(1).optional(),
  port: Port.default(8883),
  cert: Path,
  key: Path,
  ca: Path.optional(),
});

export const RateConfig = z.strictObject({
  perSecond: z.number().positive().default(50),
  burst: z.number().int().min(1).default(200),
  maxQueued: z.number().int().min(0).default(1000),
});

/**
 * Limits that act before aedes sees a packet (frame-guard.ts) and on CONNECT. A packet after login may
 * carry the largest payload plus a topic (up to 64 KiB) and headers; before login only a CONNECT
 * (ids, credentials, a small will) is expected.
 */
export const LimitsConfig = z.strictObject({
  connectMaxBytes: z
    .number()
    .int()
    .min(64)
    .default(16 * 1024),
  packetMaxBytes: z
    .number()
    .int()
    .min(1024)
    .default(MAX_PAYLOAD_BYTES + 80 * 1024),
  /** 256 KiB at 8 KiB/s: a slow 2G/3G link still fits */
  packetTimeoutMs: z.number().int().min(100).default(60_000),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  /** devices must let the broker notice them gone (presence, wills): keepalive 0 is refused */
  deviceKeepaliveS: z
    .strictObject({ min: z.number().int().min(1).default(5), max: z.number().int().max(65535).default(900) })
    .default({ min: 5, max: 900 }),
});

/**
 * Failed logins (login-throttle.ts): each wrong password costs an scrypt run, so failures spend tokens
 * of a bucket per source address and one per client id; an empty bucket answers CONNACK 4 after
 * `refusalDelayMs` without verifying. A right password spends nothing.
 */
const Bucket = z.strictObject({ burst: z.number().int().min(1), perMinute: z.number().positive() });
export const LoginThrottleConfig = z.strictObject({
  perAddress: Bucket.default({ burst: 30, perMinute: 60 }),
  perClientId: Bucket.default({ burst: 10, perMinute: 12 }),
  refusalDelayMs: z.number().int().min(0).default(2000),
  /** refusals waiting for their delay at once; beyond, refused at once (bounded memory) */
  maxDelayed: z.number().int().min(0).default(2000),
  /** logins waiting for a verification slot of their address (perAddress.burst run at once); beyond, refused */
  maxWaiting: z.number().int().min(0).default(10_000),
});

/**
 * Off by default: a principal for checking the broker's own MQTT behaviour with auth and ACL on (the
 * Eclipse Paho interoperability suite). It logs in with its user name and any client id that is not a
 * registry id, and may publish and subscribe (wildcards too) only under `namespace`, except `refused`.
 */
export const ConformanceConfig = z.strictObject({
  username: z.string().min(1).default('conformance'),
  /** scrypt hash (scripts/hash-password.ts) */
  passwordHash: z.string().min(1),
  namespace: z
    .string()
    .regex(/^[^+#$/][^+#]*\/$/, 'một tiền tố chủ đề kết thúc bằng "/" (a topic prefix ending in "/")')
    .default('conformance/'),
  refused: z.array(z.string().min(1)).default(['conformance/nosubscribe']),
});

export const PersistenceConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('redis'), url: z.url({ protocol: /^rediss?$/ }) }),
]);

/** an address or a CIDR range: `10.0.0.5`, `10.0.0.0/24`, `fd00::/8` */
const AddressOrRange = z.string().refine(
  (v) => {
    const [address, bits, extra] = v.split('/');
    const family = isIP(address);
    if (!family || extra !== undefined) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d+$/.test(bits) && n <= (family === 6 ? 128 : 32);
  },
  { message: 'một địa chỉ IP hoặc dải CIDR (an IP address or CIDR range)' },
);

/**
 * The balancers in front of this node (haproxy `send-proxy-v2`): their connections start with a PROXY header
 * naming the device's address, which the login throttle and the logs then use (broker/proxy-protocol.ts).
 */
export const ProxyProtocolConfig = z.strictObject({
  trusted: z.array(AddressOrRange).min(1),
  /** a trusted TLS connection must have sent its header within this (plain ones: limits.connectTimeoutMs) */
  headerTimeoutMs: z.number().int().min(100).default(5_000),
});

export const BrokerConfig = z.strictObject({
  /** deployments listen on all interfaces; tests use 127.0.0.1 */
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 = pick a free port (tests) */
  port: Port.default(1883),
  tls: TlsConfig.optional(),
  proxyProtocol: ProxyProtocolConfig.optional(),
  registryPath: Path,
  maxPayloadBytes: z.number().int().positive().default(MAX_PAYLOAD_BYTES),
  rate: RateConfig.default({ perSecond: 50, burst: 200, maxQueued: 1000 }),
  persistence: PersistenceConfig.default({ kind: 'memory' }),
  /** fan-out between nodes; omitted = the persistence's Redis when it is Redis (broker/cluster-config.ts) */
  emitter: EmitterConfig.optional(),
  cluster: ClusterConfig.default({ heartbeatIntervalMs: 5_000, maxSessionDelivery: 1000 }),
  sharedAuthCache: SharedAuthCacheConfig.optional(),
  admission: AdmissionConfig.default({
    maxConcurrentVerifications: 2,
    maxWaitingVerifications: 5000,
    maxWaitMs: 10_000,
  }),
  /** how often the cumulative refusal counts are published on $SYS/tt/broker/refusals/<node> */
  statsIntervalMs: z.number().int().min(100).default(10_000),
  /** bounded cache of password verifications (reconnect storms must not burn scrypt CPU) */
  authCacheSize: z.number().int().min(0).default(10_000),
  limits: LimitsConfig.default(LimitsConfig.parse({})),
  loginThrottle: LoginThrottleConfig.default(LoginThrottleConfig.parse({})),
  conformance: ConformanceConfig.optional(),
});

export type BrokerConfig = z.infer<typeof BrokerConfig>;
export type BrokerConfigInput = z.input<typeof BrokerConfig>;

/** how the broker's config failures are reported: BrokerError(BROKER_CONFIG_INVALID), every problem with its path */
const CONFIG: ConfigOptions = {
  what: 'cấu hình broker',
  error: (f) => new BrokerError('BROKER_CONFIG_INVALID', f.headline, f.problems),
};

/** Validate a parsed config object; throws BrokerError(BROKER_CONFIG_INVALID) listing every problem with its path. */
export function parseBrokerConfig(raw: unknown, source = 'broker config'): BrokerConfig {
  return parseConfig(BrokerConfig, raw, source, CONFIG);
}

/** Read a YAML/JSON config file; relative paths inside it are resolved against the file's folder. */
export function loadBrokerConfig(path: string): BrokerConfig {
  const config = loadConfig(BrokerConfig, path, CONFIG);
  const base = dirname(resolve(path));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return Object.freeze({
    ...config,
    registryPath: abs(config.registryPath),
    ...(config.sharedAuthCache
      ? { sharedAuthCache: { ...config.sharedAuthCache, secretFile: abs(config.sharedAuthCache.secretFile) } }
      : {}),
    ...(config.tls
      ? {
          tls: {
            ...config.tls,
            cert: abs(config.tls.cert),
            key: abs(config.tls.key),
            ...(config.tls.ca ? { ca: abs(config.tls.ca) } : {}),
          },
        }
      : {}),
  });
}
