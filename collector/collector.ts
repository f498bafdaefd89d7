import type { MqttClient } from 'mqtt';
import type { Registry } from '../devices/registry/index.ts';
import { channelFilter, type Channel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { Acker } from './acker.ts';
import { BROKER_REFUSALS_FILTER, BROKER_SCHEMAS } from './broker-refusals.ts';
import type { CollectorConfig } from './config.ts';
import { CollectorError } from './errors.ts';
import type { CollectorContext, CollectorExtension } from './extension.ts';
import { InfluxStore, type SetupHook } from './influx-store.ts';
import { connectMqtt, defaultMqttFactory, type MqttFactory } from './mqtt-link.ts';
import { Pipeline } from './pipeline.ts';
import { endClientBounded, publishWithTimeout } from '../infra/mqtt-publish.ts';
import { REJECTION_SCHEMA } from './rejection.ts';
import { Spool } from './spool.ts';
import { emptyStats, type CollectorStats } from './stats.ts';
import type { MeasurementSchema, StoragePort } from './storage.ts';
import { DurableStore } from './store.ts';

/** Messages held while extensions start (a persistent session may deliver a backlog at once). */
const EARLY_MAX = 100_000;

export type CollectorDeps = {
  config: CollectorConfig;
  registry: Registry;
  log: Logger;
  clock: Clock;
  extensions: readonly CollectorExtension[];
  /** the store; by default InfluxDB at config.influx, with every measurement schema and the setup hooks */
  storage?: StoragePort;
  /** run after the database and raw retention policy exist (again after an outage if they could not be made) */
  setup?: readonly SetupHook[];
  mqttFactory?: MqttFactory;
  /** subscription filters for the extensions' channels (default: every device, tt/v1/+/<channel>); partition/ narrows them */
  topicFilters?: (channels: readonly Channel[]) => string[];
};

export type Collector = {
  stats(): CollectorStats;
  /** write the current batch and wait for every queued write, spool append and ack */
  flush(): Promise<void>;
  /** flush, stop extensions, disconnect (the persistent session keeps queuing for the next run) */
  close(): Promise<void>;
  /** resolves once the first subscription is granted */
  subscribed: Promise<void>;
  /** is the MQTT link up now? */
  connected(): boolean;
  /** feed one message as if it came from MQTT (benchmarks; topics no subscription covers) */
  ingest(topic: string, payload: Buffer, retained?: boolean): void;
  storage: StoragePort;
};

/** Every measurement the collector writes: its own (rejections, broker refusals), then its extensions'. */
export function storedSchemas(extensions: readonly CollectorExtension[]): MeasurementSchema[] {
  return [REJECTION_SCHEMA, ...BROKER_SCHEMAS, ...extensions.flatMap((e) => e.schema ?? [])];
}

function influxStorage(deps: CollectorDeps): StoragePort {
  const { config } = deps;
  return new InfluxStore({
    ...config.influx,
    writeTimeoutMs: config.writeTimeoutMs,
    schemas: storedSchemas(deps.extensions),
    setup: deps.setup,
  });
}

export async function startCollector(deps: CollectorDeps): Promise<Collector> {
  const { config, clock, extensions } = deps;
  const log = deps.log.child({ component: 'collector' });
  const stats = emptyStats();
  const storage = deps.storage ?? influxStorage(deps);
  const spool = new Spool(config.spoolDir, config.spoolMaxBytes);
  await spool.open();
  stats.spoolBytes = spool.bytes;
  // InfluxDB down at start must not stop the collector: the store prepares it again before draining the spool
  await storage
    .prepare()
    .catch((err: Error) =>
      log.warn({ err: err.message }, 'InfluxDB setup failed at start; retried when InfluxDB answers'),
    );
  const core = wireCore(deps, { storage, spool, stats, log });
  const { pipeline } = core;
  const filters = [
    ...(deps.topicFilters?.(pipeline.channels) ?? pipeline.channels.map(channelFilter)),
    BROKER_REFUSALS_FILTER,
  ];
  const onConnect = () => notifyConnect(extensions, clock.now(), log);
  const link = connectMqtt(
    config,
    deps.mqttFactory ?? defaultMqttFactory,
    filters,
    log,
    core.gate.onMessage,
    onConnect,
  );
  core.publisher.attach(link.client);
  try {
    for (const ext of extensions) await ext.start?.(core.ctx);
  } catch (err) {
    await endClientBounded(link.client, clock); // fail fast at startup, without leaving a connected client behind
    throw err;
  }
  core.store.start();
  core.gate.open();
  return running(deps, core, link, log);
}

type Core = ReturnType<typeof wireCore>;

/** Store, acks, pipeline and the extensions' context, before the MQTT link exists. */
function wireCore(
  deps: CollectorDeps,
  parts: { storage: StoragePort; spool: Spool; stats: CollectorStats; log: Logger },
) {
  const { config, registry, clock, extensions } = deps;
  const { storage, spool, stats, log } = parts;
  const publisher = boundedPublisher(clock, config.ackTimeoutMs);
  const acker = new Acker((t, p) => publisher.publish(t, p), stats, log);
  const store = new DurableStore({
    storage,
    spool,
    clock,
    log,
    stats,
    batch: config.batch,
    onDurable: (acks) => void acker.ack(acks),
  });
  const ctx: CollectorContext = {
    registry,
    clock,
    log,
    query: (influxql) => storage.query(influxql),
    write: async (points) => store.add(points.map((p) => storage.encode(p))),
    publish: publisher.publish,
  };
  const pipeline = new Pipeline({
    registry,
    clock,
    log,
    stats,
    store,
    encode: (p) => storage.encode(p),
    extensions,
    ctx,
  });
  return { storage, spool, stats, publisher, acker, store, ctx, pipeline, gate: startGate(pipeline, stats) };
}

/** The running collector's handle: flush and close wait for every write, spool append and ack. */
function running(deps: CollectorDeps, core: Core, link: ReturnType<typeof connectMqtt>, log: Logger): Collector {
  const { store, acker, stats, spool } = core;
  const flush = async () => {
    await store.flush();
    await acker.settled();
  };
  let closing: Promise<void> | undefined;
  const close = async () => {
    await stopExtensions(deps.extensions, log);
    await flush();
    await store.close();
    await acker.settled();
    await endClientBounded(link.client, deps.clock);
    core.publisher.detach();
    log.info({ stats }, 'collector stopped');
  };
  return {
    stats: () => ({ ...stats, rejected: { ...stats.rejected }, pending: store.pending, spoolBytes: spool.bytes }),
    flush,
    close: () => (closing ??= close()),
    subscribed: link.subscribed,
    connected: () => link.client.connected,
    ingest: (t, p, r) => core.pipeline.ingest(t, p, r),
    storage: core.storage,
  };
}

/** Publishes on the collector's MQTT client once attached, each bounded by the ack timeout; refused when detached. */
function boundedPublisher(clock: Clock, timeoutMs: number) {
  let client: MqttClient | undefined;
  return {
    attach: (c: MqttClient) => void (client = c),
    detach: () => void (client = undefined),
    publish(topic: string, payload: Buffer, opts: { retain?: boolean } = {}): Promise<void> {
      if (!client) return Promise.reject(new CollectorError('COLLECTOR_CLOSED'));
      return publishWithTimeout(client, clock, topic, payload, { qos: 1, retain: opts.retain }, timeoutMs);
    },
  };
}

/** Messages wait until every extension has started (the MQTT link is up first, so extensions can publish from start()). */
function startGate(pipeline: Pipeline, stats: CollectorStats) {
  const early: [string, Buffer, boolean][] = [];
  let open = false;
  return {
    onMessage(topic: string, payload: Buffer, retained: boolean): void {
      if (open) return pipeline.ingest(topic, payload, retained);
      if (early.length < EARLY_MAX) return void early.push([topic, payload, retained]);
      stats.received++;
      stats.rejected['not-started'] = (stats.rejected['not-started'] ?? 0) + 1; // not acknowledged: the device resends
    },
    open(): void {
      open = true;
      for (const [t, p, r] of early.splice(0)) pipeline.ingest(t, p, r);
    },
  };
}

function notifyConnect(extensions: readonly CollectorExtension[], at: number, log: Logger): void {
  for (const ext of extensions) {
    try {
      ext.onBrokerConnect?.(at);
    } catch (err) {
      log.error({ err, code: 'EXTENSION_FAILED', extension: ext.name }, 'extension onBrokerConnect failed');
    }
  }
}

async function stopExtensions(extensions: readonly CollectorExtension[], log: Logger): Promise<void> {
  for (const ext of extensions) {
    try {
      await ext.stop?.();
    } catch (err) {
      log.error({ err, code: 'EXTENSION_FAILED', extension: ext.name }, 'extension stop failed');
    }
  }
}
