import { BrokerError } from './errors.ts';
import type { BrokerConfig } from './config.ts';

/**
 * Where aedes keeps sessions, offline QoS 1 queues, retained messages and wills.
 * `persistence: undefined` lets aedes use its own in-memory store (one broker, lost on restart:
 * devices keep their outbox until the collector acknowledges, and republish availability/state).
 * Redis (aedes-persistence-redis, an optional package) survives restarts and can be shared by
 * several brokers together with mqemitter-redis.
 */
export type BrokerPersistence = {
  /** passed as aedes' `persistence` option (undefined = aedes' built-in memory store) */
  readonly persistence: unknown;
  /** aedes.close() does not close a Redis persistence: this does (or tests and shutdown hang) */
  close(): Promise<void>;
};

type Importer = (name: string) => Promise<unknown>;

export async function createPersistence(config: BrokerConfig['persistence'], importer: Importer = (n) => import(n)): Promise<BrokerPersistence> {
  if (config.kind === 'memory') return { persistence: undefined, close: async () => {} };
  const factory = await loadRedisFactory(importer);
  const persistence = factory(redisOptions(config.url)) as { destroy?: (cb?: () => void) => unknown };
  return {
    persistence,
    close: () => new Promise<void>((resolve) => {
      if (typeof persistence.destroy !== 'function') return resolve();
      const r = persistence.destroy(() => resolve());
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(() => resolve(), () => resolve());
    }),
  };
}

async function loadRedisFactory(importer: Importer): Promise<(opts: object) => unknown> {
  let mod: unknown;
  try {
    mod = await importer('aedes-persistence-redis');
  } catch (err) {
    throw new BrokerError(
      'BROKER_PERSISTENCE_MISSING',
      'persistence.kind = "redis" cần gói aedes-persistence-redis, nhưng gói này chưa được cài ' +
        '(Redis persistence needs the optional package aedes-persistence-redis: add it to package.json ' +
        'with an "overrides" entry for aedes, see STACK.md; or use persistence.kind = "memory"). ' +
        `Lỗi nạp: ${(err as Error).message}`,
    );
  }
  const m = mod as { default?: unknown };
  const factory = typeof m.default === 'function' ? m.default : mod;
  if (typeof factory !== 'function') throw new BrokerError('BROKER_PERSISTENCE_MISSING', 'aedes-persistence-redis không có hàm khởi tạo (unexpected module shape)');
  return factory as (opts: object) => unknown;
}

/** ioredis options from redis://[user:pass@]host:port/db (rediss:// = TLS) */
export function redisOptions(url: string): Record<string, unknown> {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
