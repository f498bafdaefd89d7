import { InfluxDB, type IPoint, type ISchemaOptions } from 'influx';
import type { Registry } from '../devices/registry/index.ts';
import { channelFilter, type Channel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { Acker } from './acker.ts';
import { BROKER_REFUSALS_FILTER, BROKER_SCHEMAS } from './broker-refusals.ts';
import type { CollectorConfig } from './config.ts';
import { CollectorError } from './errors.ts';
import type { CollectorContext, CollectorExtension } from './extension.ts';
import { setupInflux, type SetupHook } from './influx-setup.ts';
import { InfluxWriter } from './influx-writer.ts';
import { encodePoint } from './line-protocol.ts';
import { connectMqtt, defaultMqttFactory, type MqttFactory } from './mqtt-link.ts';
import { Pipeline } from './pipeline.ts';
import { publishWithTimeout } from '../infra/mqtt-publish.ts';
import { REJECTION_SCHEMA } from './rejection.ts';
import { RAW_RP } from '../devices/storage/retention.ts';
import { Spool } from './spool.ts';
import { emptyStats, type CollectorStats } from './stats.ts';
import { DurableStore } from './store.ts';

/** Messages held while extensions start (a persistent session may deliver a backlog at once). */
const EARLY_MAX = 100_000;

export type CollectorDeps = {
  config: CollectorConfig;
  registry: Registry;
  log: Logger;
  clock: Clock;
  extensions: readonly CollectorExtension[];
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
  /** feed one message as if it came from MQTT (benchmarks; topics no subscription covers) */
  ingest(topic: string, payload: Buffer, retained?: boolean): void;
  influx: InfluxDB;
};

function influxClient(config: CollectorConfig, extensions: readonly CollectorExtension[]): InfluxDB {
  const u = new URL(config.influx.url);
  const { database } = config.influx;
  const own: Omit<ISchemaOptions, 'database'>[] = [REJECTION_SCHEMA, ...BROKER_SCHEMAS];
  const schemas: ISchemaOptions[] = [...own, ...extensions.flatMap((e) => e.schema ?? [])].map((s) => ({ ...s, database }));
  return new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database,
    username: config.influx.username,
    password: config.influx.password,
    schema: schemas,
  });
}

export async function startCollector(deps: CollectorDeps): Promise<Collector> {
  const { config, registry, clock, extensions } = deps;
  const log = deps.log.child({ component: 'collector' });
  const { database } = config.influx;
  const stats = emptyStats();
  const influx = influxClient(config, extensions);
  const encode = (p: IPoint) => encodePoint(influx, database, p);
  const writer = new InfluxWriter({ ...config.influx, retentionPolicy: RAW_RP, timeoutMs: config.writeTimeoutMs });
  const spool = new Spool(config.spoolDir, config.spoolMaxBytes);
  await spool.open();
  stats.spoolBytes = spool.bytes;

  let setupDone = false;
  const runSetup = async () => {
    if (setupDone) return;
    await setupInflux(influx, database, config.influx.rawRetention, deps.setup ?? []);
    setupDone = true;
  };
  try {
    await runSetup();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'InfluxDB setup failed at start; retried when InfluxDB answers');
  }

  let client: ReturnType<typeof connectMqtt>['client'] | undefined;
  const publish = (topic: string, payload: Buffer, opts: { retain?: boolean } = {}) => {
    if (!client) return Promise.reject(new CollectorError('COLLECTOR_CLOSED', 'not connected'));
    return publishWithTimeout(client, clock, topic, payload, { qos: 1, retain: opts.retain }, config.ackTimeoutMs);
  };
  const acker = new Acker((t, p) => publish(t, p), stats, log);
  const acksInFlight = new Set<Promise<void>>();
  const store = new DurableStore({
    writer, spool, clock, log, stats,
    batch: config.batch,
    onDurable(acks) {
      if (acks.size === 0) return;
      const p = acker.ack(acks).finally(() => acksInFlight.delete(p));
      acksInFlight.add(p);
    },
    ping: async () => {
      try {
        return (await influx.ping(2000)).some((h) => h.online);
      } catch {
        return false;
      }
    },
    beforeDrain: runSetup,
  });

  const ctx: CollectorContext = {
    registry, clock, log, influx, database,
    write: async (points) => store.add(points.map(encode)),
    publish,
  };
  const pipeline = new Pipeline({ registry, clock, log, stats, store, encode, extensions, ctx });
  // connect first so extensions can publish from start(); messages wait until every extension has started
  const early: [string, Buffer, boolean][] = [];
  let started = false;
  const onMessage = (t: string, p: Buffer, retained: boolean) => {
    if (started) return pipeline.ingest(t, p, retained);
    if (early.length < EARLY_MAX) return void early.push([t, p, retained]);
    stats.received++;
    stats.rejected['not-started'] = (stats.rejected['not-started'] ?? 0) + 1; // not acknowledged: the device resends
  };
  const filters = [...(deps.topicFilters?.(pipeline.channels) ?? pipeline.channels.map(channelFilter)), BROKER_REFUSALS_FILTER];
  const onConnect = () => {
    for (const ext of extensions) {
      try {
        ext.onBrokerConnect?.(clock.now());
      } catch (err) {
        log.error({ err, extension: ext.name }, 'extension onBrokerConnect failed');
      }
    }
  };
  const link = connectMqtt(config, deps.mqttFactory ?? defaultMqttFactory, filters, log, onMessage, onConnect);
  client = link.client;
  try {
    for (const ext of extensions) await ext.start?.(ctx);
  } catch (err) {
    await endClient(link.client, clock); // fail fast at startup, without leaving a connected client behind
    throw err;
  }
  store.start();
  started = true;
  for (const [t, p, r] of early.splice(0)) pipeline.ingest(t, p, r);

  const flush = async () => {
    await store.flush();
    await Promise.all([...acksInFlight]);
  };
  let closing: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats, rejected: { ...stats.rejected }, pending: store.pending, spoolBytes: spool.bytes }),
    flush,
    subscribed: link.subscribed,
    ingest: (t, p, r) => pipeline.ingest(t, p, r),
    influx,
    close: () =>
      (closing ??= (async () => {
        for (const ext of extensions) {
          try {
            await ext.stop?.();
          } catch (err) {
            log.error({ err, extension: ext.name }, 'extension stop failed');
          }
        }
        await flush();
        await store.close();
        await Promise.all([...acksInFlight]);
        await endClient(link.client, clock);
        client = undefined;
        log.info({ stats }, 'collector stopped');
      })()),
  };
}

/** Graceful disconnect, bounded: a client that never connected (or hangs) is ended by force. */
function endClient(client: ReturnType<typeof connectMqtt>['client'], clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return client.end(true, {}, () => resolve());
    const timer = clock.setTimeout(() => client.end(true, {}, () => resolve()), 5000);
    client.end(false, {}, () => {
      timer.cancel();
      resolve();
    });
  });
}
