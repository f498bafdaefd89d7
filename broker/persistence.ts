import { Redis } from 'ioredis';
import { BrokerError } from './errors.ts';
import type { BrokerConfig } from './config.ts';

/**
 * Where aedes keeps sessions, offline QoS 1 queues, retained messages and wills, and how nodes hear
 * each other's publishes.
 *
 * memory: aedes' own in-memory store and emitter (one broker, lost on restart: devices keep their
 * outbox until the collector acknowledges, and republish availability/state).
 * redis: aedes-persistence-redis (sessions, retained, wills survive a restart and are shared) and
 * mqemitter-redis (fan-out between nodes). MongoDB, the other kept aedes persistence, is not in
 * Debian's archive, and Redis is already needed for the emitter: one store, one package to install.
 * aedes-persistence-redis 12 is the line built on aedes' own aedes-persistence 11 (one copy);
 * aedes 1.2 still declares ^11.2.1 as its peer, hence the "overrides" entry in package.json.
 */
export type BrokerPersistence = {
  /** passed as aedes' `persistence` option (undefined = aedes' built-in memory store) */
  readonly persistence: unknown;
  /** passed as aedes' `mq` option (undefined = aedes' in-process emitter) */
  readonly emitter: unknown;
  /** which Redis, if any, the node shares (cluster helpers open their own connection there) */
  readonly redisUrl?: string;
  /** aedes.close() closes the emitter but not a Redis persistence: this closes both (or tests and shutdown hang) */
  close(): Promise<void>;
};

type Importer = (name: string) => Promise<unknown>;

type Closable = { destroy?: () => unknown; close?: (cb: () => void) => unknown };

export async function createPersistence(
  config: BrokerConfig,
  importer: Importer = (n) => import(n),
  onError?: (err: Error) => void,
): Promise<BrokerPersistence> {
  const p = config.persistence;
  const emitterConfig =
    config.emitter ?? (p.kind === 'redis' ? { kind: 'redis' as const, url: p.url } : { kind: 'memory' as const });
  let persistence: Closable | undefined;
  let emitter: Closable | undefined;
  let conn: Redis | undefined;
  if (p.kind === 'redis') {
    // the package's main export: the async store wrapped with the stream API aedes 1.2 still pipes from
    const factory = (await loadCtor(importer, 'aedes-persistence-redis', 'aedes-persistence-redis')) as unknown as (
      o: object,
    ) => Closable;
    // our own connection, so it is closed even when aedes never set the persistence up. Auto-pipelined: a
    // storm's CONNECTs each send several commands, and one socket write per command was a sixth of the storm's CPU
    conn = new Redis({ ...redisOptions(p.url), enableAutoPipelining: true });
    conn.on('error', (err: Error) => onError?.(err));
    handleFireAndForget(conn);
    persistence = factory({ conn, maxSessionDelivery: config.cluster.maxSessionDelivery });
    coalesceAddSubscriptions(persistence);
    skipConnectDelWill(persistence);
  }
  if (emitterConfig.kind === 'redis') {
    const factory = (await loadCtor(importer, 'mqemitter-redis', 'mqemitter-redis')) as unknown as (
      o: object,
    ) => Closable;
    // no ready check: with auto-pipelining (mqemitter-redis turns it on) the SUBSCRIBE can overtake
    // ioredis' INFO, which Redis then refuses on a subscriber connection and the connection resets
    emitter = factory({ ...redisOptions(emitterConfig.url), enableReadyCheck: false });
    // connection errors go to its `state` emitter; unheard, they would throw and stop the node
    (emitter as { state?: NodeJS.EventEmitter }).state?.on('error', (err: Error) => onError?.(err));
  }
  let closed = false;
  return {
    persistence,
    emitter,
    redisUrl: p.kind === 'redis' ? p.url : emitterConfig.kind === 'redis' ? emitterConfig.url : undefined,
    async close() {
      if (closed) return;
      closed = true;
      if (emitter?.close) await new Promise<void>((resolve) => emitter!.close!(() => resolve())); // idempotent after aedes.close()
      if (persistence?.destroy) {
        try {
          await persistence.destroy();
        } catch {
          // never set up (aedes failed to start): its connection is closed below
        }
      }
      if (conn) await closeRedis(conn);
    },
  };
}

/**
 * aedes 1.2 stores a persistent client's SUBSCRIBE once per topic, each time with all the packet's
 * topics; aedes-persistence-redis waits for its own broadcast of each store under a key made of the
 * first topic, so concurrent identical stores overwrite each other's waiter and all but one never
 * finish: no SUBACK for a SUBSCRIBE with several topics (the collector's). Identical concurrent
 * stores (the same subscriptions array) share one run.
 */
function coalesceAddSubscriptions(persistence: object): void {
  const store = persistence as { addSubscriptions(client: unknown, subs: object, cb?: unknown): Promise<unknown> };
  const original = store.addSubscriptions.bind(store);
  const running = new WeakMap<object, Promise<unknown>>();
  store.addSubscriptions = (client, subs, cb) => {
    if (cb) return original(client, subs, cb);
    let pending = running.get(subs);
    if (!pending) running.set(subs, (pending = original(client, subs)));
    return pending;
  };
}

/**
 * aedes-persistence-redis sends some commands without awaiting them (LREM and RPUSH of the wills list, LREM of a
 * stale queue entry). Auto-pipelined, such a command is written on the next turn of the loop, and when the
 * connection was closed in between (a node stopping, Redis gone) its promise rejects with no handler: an unhandled
 * "Connection is closed". Every command's promise gets a no-op handler here; whoever awaits it still gets the error.
 */
export function handleFireAndForget(conn: Redis): void {
  const target = conn as unknown as Record<string, unknown>;
  const noop = () => undefined;
  for (const name of conn.getBuiltinCommands().flatMap((c) => [c, `${c}Buffer`])) {
    const command = target[name];
    if (typeof command !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      const reply = (command as (...a: unknown[]) => unknown).apply(this, args);
      if (reply instanceof Promise) reply.catch(noop);
      return reply;
    };
  }
}

/**
 * At every CONNECT aedes 1.2 deletes "the client's stored will" with delWill(client), but a connecting Client has no
 * brokerId, so aedes-persistence-redis deletes the key of broker "undefined" (LREM over the whole wills list, GET,
 * DEL): three round trips that can never find anything, since wills are stored under the broker's id (putWill).
 * Answered here without Redis; every other delWill (a will published, a dead node's wills) goes through.
 */
function skipConnectDelWill(persistence: object): void {
  const store = persistence as { delWill(client: { brokerId?: string }, cb?: unknown): unknown };
  const original = store.delWill.bind(store);
  store.delWill = (client, cb) => {
    if (client.brokerId !== undefined) return original(client, cb);
    if (typeof cb === 'function') return void process.nextTick(cb, null, null, client);
    return Promise.resolve(null);
  };
}

async function loadCtor(importer: Importer, pkg: string, entry: string): Promise<new (opts: object) => unknown> {
  let mod: unknown;
  try {
    mod = await importer(entry);
  } catch (err) {
    throw new BrokerError(
      'BROKER_PERSISTENCE_MISSING',
      `persistence/emitter "redis" cần gói ${pkg}, nhưng không nạp được gói này ` +
        `(Redis persistence needs ${pkg}: run npm ci; or use persistence.kind = "memory"). ` +
        `Lỗi nạp: ${(err as Error).message}`,
    );
  }
  const m = mod as { default?: unknown };
  const ctor = typeof m.default === 'function' ? m.default : mod;
  if (typeof ctor !== 'function')
    throw new BrokerError('BROKER_PERSISTENCE_MISSING', `${pkg} không có hàm khởi tạo (unexpected module shape)`);
  return ctor as new (
    opts: object,
  ) => unknown;
}

/** QUIT (commands in flight get their replies), bounded: a Redis that is down must not hold a shutdown */
export async function closeRedis(conn: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([conn.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
  conn.disconnect();
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
