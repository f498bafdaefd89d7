import { hostname } from 'node:os';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { Registry } from '../devices/registry/index.ts';
import { systemClock, type Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { Admission } from './admission.ts';
import { createAuthenticator } from './auth.ts';
import { joinCluster, type ClusterNode } from './cluster.ts';
import type { BrokerConfig } from './config.ts';
import { BrokerError } from './errors.ts';
import { ConformancePrincipal } from './conformance.ts';
import { guardSocket } from './frame-guard.ts';
import { createRepeatFilter, deliverEveryPacket } from './delivery-order.ts';
import { createHooks } from './hooks.ts';
import { LoginThrottle } from './login-throttle.ts';
import { listen, type Listener, type TlsMaterial } from './listeners.ts';
import { createPersistence } from './persistence.ts';
import { ProxyProtocol } from './proxy-protocol.ts';
import type { RefusalReason } from './refusals.ts';
import { liveRegistry, type RegistryDiff } from './registry-reload.ts';
import { createSharedVerdicts, type SharedVerdicts } from './shared-auth-cache.ts';
import { nodeId, RefusalLog, refusalsPayload, refusalsTopic, type BrokerStats } from './stats.ts';

export { BrokerConfig, loadBrokerConfig, parseBrokerConfig } from './config.ts';
export { BrokerError } from './errors.ts';
export { DROP_TOPIC } from './hooks.ts';
export { REFUSALS_FILTER, RefusalsPayload, refusalsTopic, type BrokerStats } from './stats.ts';
export { REFUSAL_REASONS, type RefusalReason } from './refusals.ts';
export type { TlsMaterial } from './listeners.ts';

export type BrokerDeps = {
  config: BrokerConfig;
  registry: Registry;
  log: Logger;
  clock?: Clock;
  /** required when config.tls is set (main.ts reads the files named there) */
  tls?: TlsMaterial;
  /** module loader for the optional Redis persistence (tests substitute it) */
  importer?: (name: string) => Promise<unknown>;
  /** required when config.sharedAuthCache is set (main.ts reads its secretFile) */
  authCacheSecret?: Buffer;
};

/** what a node of a Redis-backed cluster did (tests and benchmarks read it) */
export type ClusterStats = {
  aedesId: string;
  nodeName?: string;
  willsClaimed: number;
  willsSkippedReconnected: number;
  willsClaimedElsewhere: number;
  sharedAuth?: SharedVerdicts['counters'];
  admissionRefused: number;
};

export type RegistryReload = RegistryDiff & { disconnected: string[] };

export type RunningBroker = {
  port: number;
  tlsPort?: number;
  stats(): BrokerStats;
  cluster(): ClusterStats;
  /**
   * Use this registry from now on (the next CONNECT and packet); clients whose entry was removed or changed are
   * disconnected (they log in again under the new one). Returns what changed and who was disconnected.
   */
  reloadRegistry(next: Registry): RegistryReload;
  close(): Promise<void>;
};

/** Start the MQTT 3.1.1 broker: aedes with the registry's authentication and topic rights, on TCP (and TLS). */
export async function startBroker(deps: BrokerDeps): Promise<RunningBroker> {
  const { config } = deps;
  // every reader of the registry holds this view: reloadRegistry() replaces what it shows (registry-reload.ts)
  const live = liveRegistry(deps.registry);
  const registry = live.view;
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'broker' });
  if (config.tls && !deps.tls)
    throw new BrokerError(
      'BROKER_TLS_MATERIAL_MISSING',
      'cấu hình có tls nhưng thiếu chứng chỉ/khóa (tls configured, certificate material not given)',
    );

  const refusals = new RefusalLog(log);
  if (config.sharedAuthCache && !deps.authCacheSecret)
    throw new BrokerError('BROKER_CONFIG_INVALID', 'sharedAuthCache cần khóa bí mật (secret not given)');
  const shared = config.sharedAuthCache
    ? createSharedVerdicts(config.sharedAuthCache, deps.authCacheSecret!)
    : undefined;
  const admission = new Admission(
    config.admission.maxConcurrentVerifications,
    config.admission.maxWaitingVerifications,
    config.admission.maxWaitMs,
  );
  const auth = createAuthenticator(registry, config.authCacheSize, { shared, admission });
  const throttle = new LoginThrottle(config.loginThrottle, clock);
  const conformance = config.conformance ? new ConformancePrincipal(config.conformance, registry) : undefined;
  if (conformance)
    log.warn(
      { username: config.conformance!.username, namespace: config.conformance!.namespace },
      'conformance principal enabled (for protocol test suites only)',
    );
  const proxy = config.proxyProtocol ? new ProxyProtocol(config.proxyProtocol.trusted) : undefined;
  // the device's address, for the login throttle and the logs (behind a balancer: the one its header named)
  const addressOf = (conn: unknown) =>
    proxy ? proxy.addressOf(conn) : ((conn as { remoteAddress?: string }).remoteAddress ?? '');
  const hooks = createHooks({
    config,
    registry,
    clock,
    log,
    auth,
    refusals,
    throttle,
    addressOf,
    ...(conformance ? { conformance } : {}),
  });
  const store = await createPersistence(config, deps.importer, (err) =>
    log.warn({ err: err.message }, 'redis connection error'),
  ).catch(async (err: unknown) => {
    await shared?.close();
    throw err;
  });
  if (config.persistence.kind === 'redis' && config.emitter?.kind === 'memory') {
    log.warn('Redis persistence with an in-process emitter: one node only (other nodes would not hear its publishes)');
  }
  const repeats = createRepeatFilter();
  const aedes = await Aedes.createBroker({
    ...(store.persistence ? { persistence: store.persistence } : {}),
    ...(store.emitter ? { mq: store.emitter } : {}),
    heartbeatInterval: config.cluster.heartbeatIntervalMs,
    preConnect: (
      client: Client,
      packet: Parameters<typeof hooks.preConnect>[1],
      done: Parameters<typeof hooks.preConnect>[2],
    ) => {
      deliverEveryPacket(client);
      hooks.preConnect(client, packet, done);
    },
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
    authorizeForward: (client: Client, packet: AedesPublishPacket) =>
      repeats.isRepeat(client, packet) ? null : hooks.authorizeForward(client, packet),
    maxClientsIdLength: 64, // ids are up to 64 characters (devices/ids.ts); only MQTT 3.1 clients are limited by it
    drainTimeout: 30_000,
    connectTimeout: config.limits.connectTimeoutMs + 5_000, // the frame guard's own bound fires first, counted
  });
  // Bad clients must never crash the broker: aedes reports their errors as events.
  aedes.on('clientError', (client: Client, err: Error) =>
    log.debug({ clientId: client.id, err: err.message }, 'client error'),
  );
  aedes.on('connectionError', (_client: Client, err: Error) => log.debug({ err: err.message }, 'connection error'));
  (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error')); // persistence failures; unhandled it would throw
  aedes.on('clientDisconnect', (client: Client) => hooks.forget(client));
  const cluster: ClusterNode | undefined =
    store.redisUrl && store.persistence
      ? joinCluster({
          aedes,
          persistence: store.persistence,
          redisUrl: store.redisUrl,
          heartbeatIntervalMs: config.cluster.heartbeatIntervalMs,
          log,
        })
      : undefined;

  await untilCacheReady(shared, config.sharedAuthCache?.startWaitMs ?? 0, log);

  // every socket goes through the frame guard: declared-length limits, slow packets, poison topics
  const guarded = (socket: import('node:net').Socket) => {
    guardSocket(socket, config.limits, clock, (reason, detail) =>
      refusals.refuse(reason, { clientId: null, detail: `${addressOf(socket) || '?'}: ${detail}` }),
    );
    aedes.handle(socket as never);
  };
  const listeners: Listener[] = [];
  try {
    const proxyOptions = proxy
      ? {
          proxy: {
            protocol: proxy,
            clock,
            headerTimeoutMs: config.proxyProtocol!.headerTimeoutMs,
            refuse: (reason: RefusalReason, detail: string) => refusals.refuse(reason, { clientId: null, detail }),
          },
        }
      : {};
    listeners.push(await listen({ host: config.host, port: config.port, handle: guarded, log, ...proxyOptions }));
    if (config.tls && deps.tls)
      listeners.push(
        await listen({
          host: config.tls.host ?? config.host,
          port: config.tls.port,
          tls: deps.tls,
          handle: guarded,
          log,
          ...proxyOptions,
        }),
      );
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await cluster?.close();
    await store.close();
    await shared?.close();
    throw err;
  }

  const stats = (): BrokerStats => ({
    refusals: { ...refusals.counts },
    clients: aedes.connectedClients,
    throttled: refusals.throttled,
    passwordVerifications: auth.verifications(),
  });

  let closed = false;
  let timer: { cancel(): void } | undefined;
  const node = nodeId(config.cluster.nodeName, hostname());
  const publishStats = () => {
    if (closed) return;
    const payload = refusalsPayload(node, refusals.counts, aedes.connectedClients, clock.now());
    aedes.publish({ cmd: 'publish', topic: refusalsTopic(node), payload, qos: 0, retain: true, dup: false }, (err) => {
      if (err) log.warn({ err: err.message }, 'could not publish refusal counts');
    });
    timer = clock.setTimeout(publishStats, config.statsIntervalMs);
  };
  publishStats();

  log.info(
    {
      port: listeners[0].port,
      tlsPort: listeners[1]?.port,
      persistence: config.persistence.kind,
      emitter: store.emitter ? 'redis' : 'memory',
      node: config.cluster.nodeName,
      aedesId: aedes.id,
    },
    'broker listening',
  );
  return {
    port: listeners[0].port,
    ...(listeners[1] ? { tlsPort: listeners[1].port } : {}),
    stats,
    cluster: () => ({
      aedesId: aedes.id,
      ...(config.cluster.nodeName ? { nodeName: config.cluster.nodeName } : {}),
      willsClaimed: cluster?.counters.willsClaimed ?? 0,
      willsSkippedReconnected: cluster?.counters.willsSkippedReconnected ?? 0,
      willsClaimedElsewhere: cluster?.counters.willsClaimedElsewhere ?? 0,
      ...(shared ? { sharedAuth: { ...shared.counters } } : {}),
      admissionRefused: admission.refused,
    }),
    reloadRegistry(next) {
      const diff = live.replace(next);
      const disconnected: string[] = [];
      const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
      for (const id of [...diff.removed, ...diff.changed]) {
        const client = clients[id];
        if (!client) continue;
        disconnected.push(id);
        client.close();
      }
      log.info(
        { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, disconnected },
        'registry reloaded',
      );
      return { ...diff, disconnected };
    },
    async close() {
      if (closed) return;
      closed = true;
      timer?.cancel();
      hooks.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await Promise.all(listeners.map((l) => l.close()));
      await cluster?.close();
      await store.close();
      await shared?.close();
    },
  };
}

/**
 * A node that restarts into a reconnect storm must have its shared verification cache when the first CONNECTs
 * arrive, or it verifies each of them with scrypt: listeners open once the cache's connection is ready, or after
 * `waitMs` (Redis down: the node serves anyway and verifies logins itself).
 */
async function untilCacheReady(shared: SharedVerdicts | undefined, waitMs: number, log: Logger): Promise<void> {
  if (!shared || shared.isReady()) return;
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    shared.ready().then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
  ]);
  clearTimeout(timer);
  if (!ready)
    log.warn(
      { waitedMs: waitMs },
      'shared verification cache not connected yet: serving, logins verified locally until it is',
    );
}
