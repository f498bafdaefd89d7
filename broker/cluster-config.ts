import { z } from 'zod';
import { BrokerNodeId } from '../devices/contract/broker-refusals.ts';

/**
 * Settings of a broker node that shares Redis with other nodes (province scale).
 *
 * A cluster needs both halves shared: `persistence` (sessions, offline QoS 1 queues, retained
 * messages, wills) and `emitter` (live fan-out between nodes). With only the persistence shared,
 * a message published on node A never reaches a subscriber connected to node B: aedes stores
 * offline messages only for clients it believes are offline, and learns of a publish only through
 * its emitter. So `emitter` defaults to the persistence's Redis; `{ kind: 'memory' }` is for one node.
 */
const RedisUrl = z.url({ protocol: /^rediss?$/ });

export const EmitterConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('redis'), url: RedisUrl }),
]);

export const ClusterConfig = z.strictObject({
  /**
   * a name for logs and the node's statistics, also its refusal-count topic level (default: the host name); the
   * aedes id stays random per start, so a restarted node's old wills fire
   */
  nodeName: BrokerNodeId.optional(),
  /**
   * aedes heartbeat between nodes. A dead node's wills are published by a live node after
   * 3–7 heartbeats (aedes checks every 4); the default bounds that to about 20–35 s.
   */
  heartbeatIntervalMs: z.number().int().min(100).max(60_000).default(5_000),
  /** offline QoS 1 messages delivered per reconnect (aedes-persistence-redis maxSessionDelivery) */
  maxSessionDelivery: z.number().int().min(1).default(1000),
});

/**
 * Verified logins remembered in Redis for every node (broker/shared-auth-cache.ts): a node that
 * just restarted into a reconnect storm answers from Redis instead of running scrypt per device.
 */
export const SharedAuthCacheConfig = z.strictObject({
  url: RedisUrl,
  /** a file with at least 32 random bytes (base64 or hex text), the same on every node */
  secretFile: z.string().min(1),
  ttlS: z
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /**
   * Redis silent this long while a lookup waits: the node verifies the login itself (broker/answer-deadline.ts).
   * Counted from Redis's last answer, not from a timer alone: a node whose event loop is busy in a storm waits on.
   */
  answerTimeoutMs: z.number().int().min(50).max(60_000).default(2000),
  /** a lookup waits at most this in all, however busy the node (then the node verifies itself) */
  maxWaitMs: z.number().int().min(100).max(120_000).default(10_000),
  /**
   * a starting node opens its listeners once the cache's connection is ready, or after this long (then logs a
   * warning and serves anyway: lookups wait for the connection within answerTimeoutMs, then the node verifies itself)
   */
  startWaitMs: z.number().int().min(0).max(120_000).default(5_000),
});

/** How many scrypt verifications may run at once; the rest wait their turn (admission control). */
export const AdmissionConfig = z.strictObject({
  maxConcurrentVerifications: z.number().int().min(1).max(64).default(2),
  /** CONNECTs waiting for a verification beyond this are answered "server unavailable" at once (the device retries) */
  maxWaitingVerifications: z.number().int().min(0).default(5000),
  /**
   * nor more than would wait this long, by the verifications' measured run time: a device's CONNECT times out
   * (mqtt.js: 30 s), and one that gave up in the queue still costs its scrypt run
   */
  maxWaitMs: z.number().int().min(100).default(10_000),
});

export type EmitterConfig = z.infer<typeof EmitterConfig>;
export type ClusterConfig = z.infer<typeof ClusterConfig>;
export type SharedAuthCacheConfig = z.infer<typeof SharedAuthCacheConfig>;
export type AdmissionConfig = z.infer<typeof AdmissionConfig>;
