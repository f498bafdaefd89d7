import { randomUUID } from 'node:crypto';
import type { InfluxDB } from 'influx';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { InfluxStore, startCollector, type Collector } from '../../collector/index.ts';
import type { CollectorExtension } from '../../collector/extension.ts';
import {
  PRESENCE_SCHEMAS,
  presenceExtension,
  type PresenceConfigInput,
  type PresenceService,
} from '../../collector/presence/index.ts';
import { AlertPayload } from '../../devices/contract/index.ts';
import type { Registry } from '../../devices/registry/index.ts';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import type { Clock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { testConfig } from '../collector/helpers.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';
import { ShiftedClock } from '../support/shifted-clock.ts';
import { TestBroker } from '../support/test-broker.ts';

export { waitFor };

/** The store as the collector writes it (presence schemas: online → 1i), for fixtures written before a collector runs. */
export async function presenceStore(url: string, database: string): Promise<InfluxStore> {
  const store = new InfluxStore({ url, database, schemas: PRESENCE_SCHEMAS });
  await store.prepare(); // the database and its raw retention policy, as the collector makes them
  return store;
}

/** made at collection time, so the file's afterAll removes it */
const spoolRoot = tempDir('tt-pspool-');

/** no sweep timer during a test: the tests sweep by hand, at the wall times they set */
const HAND_SWEPT = { sweepS: 86_400 };

export type PresenceRig = { collector: Collector; presence: PresenceService };

/**
 * The real collector (startCollector) with the presence extension, on a real broker and InfluxDB. Each start is
 * a new MQTT session (a fresh client id), as a collector on a new machine: it sees the retained messages only.
 */
export async function startPresenceCollector(opts: {
  brokerUrl: string;
  influxUrl: string;
  database: string;
  registry: Registry;
  clock: Clock;
  presence?: PresenceConfigInput;
  newId?: () => string;
  extensions?: CollectorExtension[];
}): Promise<PresenceRig> {
  const presence = presenceExtension({ ...HAND_SWEPT, ...opts.presence }, { newId: opts.newId });
  const config = testConfig({
    brokerUrl: opts.brokerUrl,
    influxUrl: opts.influxUrl,
    database: opts.database,
    spoolDir: join(spoolRoot, randomUUID()),
  });
  const extensions = [...(opts.extensions ?? []), presence];
  const collector = await startCollector({
    config,
    registry: opts.registry,
    log: silentLogger,
    clock: opts.clock,
    extensions,
  });
  return { collector, presence };
}

/** A simulated device: last will 'offline' (unless noWill), 'online' retained on every connect, heartbeats on demand. */
export class SimDevice {
  client?: MqttClient;
  #beats = 0;
  /** each instance is one boot of the device */
  readonly #boot = `boot-${Math.random().toString(16).slice(2)}`;

  constructor(
    readonly id: string,
    readonly url: string,
    readonly opts: { noWill?: boolean } = {},
  ) {}

  async connect(): Promise<void> {
    const availability = topicFor(this.id, 'availability');
    const client = mqtt.connect(this.url, {
      clientId: this.id,
      protocolVersion: 4,
      reconnectPeriod: 200,
      keepalive: 30,
      ...(this.opts.noWill
        ? {}
        : { will: { topic: availability, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } }),
    });
    this.client = client;
    client.on('connect', () => client.publish(availability, '{"state":"online"}', { qos: 1, retain: true }));
    await waitFor(() => client.connected, 20_000, `${this.id} connect`);
  }

  heartbeat(extra: Record<string, unknown> = {}, at: string | null = new Date().toISOString()): Promise<unknown> {
    // uptime grows with every heartbeat, as on a real device (a heartbeat not newer than the last is a replay)
    const state = {
      v: 1,
      at,
      clockSynced: at !== null,
      boot: this.#boot,
      uptimeS: ++this.#beats * 60,
      version: '0.1.0',
      outboxDepth: 0,
      ...extra,
    };
    return this.client!.publishAsync(topicFor(this.id, 'state'), JSON.stringify(state), { qos: 1, retain: true });
  }

  publish(channel: 'camera', payload: unknown): Promise<unknown> {
    return this.client!.publishAsync(topicFor(this.id, channel), JSON.stringify(payload), { qos: 1 });
  }

  /** Power cut / 4G drop: the socket dies without DISCONNECT and the device never comes back by itself. */
  cut(): void {
    if (!this.client) return;
    this.client.options.reconnectPeriod = 0;
    this.client.stream.destroy();
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
  }
}

/** Someone watching every alert on the broker (subscribed again after a broker restart), each checked by the contract. */
export class AlertWatcher {
  readonly alerts: AlertPayload[] = [];
  client?: MqttClient;

  async connect(url: string): Promise<void> {
    const client = await mqtt.connectAsync(url, { clientId: 'watcher', protocolVersion: 4, reconnectPeriod: 200 });
    this.client = client;
    client.on('message', (_t, b) => this.alerts.push(AlertPayload.parse(JSON.parse(b.toString()))));
    client.on('connect', () => client.subscribe(channelFilter('alert'), { qos: 1 }));
    await client.subscribeAsync(channelFilter('alert'), { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

/**
 * One test file's scene over the real broker and InfluxDB: the broker, the test-driven wall clock, the alert
 * watcher and the devices, the collector's start (a fresh MQTT session, once subscribed) and the teardown.
 */
export class PresenceScene {
  readonly broker = new TestBroker();
  readonly clock = new ShiftedClock('real');
  readonly watcher = new AlertWatcher();
  readonly devices: SimDevice[] = [];
  #registry?: Registry;

  constructor(
    readonly db: { url: string; database: string; influx: InfluxDB },
    readonly presence: PresenceConfigInput,
  ) {}

  /** the broker, the watcher on it, and a first collector */
  async open(registry: Registry): Promise<PresenceRig> {
    this.#registry = registry;
    await this.broker.start();
    await this.watcher.connect(this.broker.url);
    return this.startCollector();
  }

  async startCollector(): Promise<PresenceRig> {
    const started = await startPresenceCollector({
      brokerUrl: this.broker.url,
      influxUrl: this.db.url,
      database: this.db.database,
      registry: this.#registry!,
      clock: this.clock,
      presence: this.presence,
    });
    await started.collector.subscribed;
    return started;
  }

  /** in order: the devices, the collector, the watcher, the broker; then the database */
  async close(rig: PresenceRig | undefined): Promise<void> {
    for (const d of this.devices) await d.close();
    await rig?.collector.close();
    await this.watcher.close();
    await this.broker.stop();
    await this.db.influx.dropDatabase(this.db.database);
  }
}
