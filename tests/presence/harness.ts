import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { InfluxDB, type IPoint } from 'influx';
import { PRESENCE_SCHEMAS } from '../../collector/presence/schema.ts';
import mqtt, { type MqttClient } from 'mqtt';
import { decode } from '../../devices/contract/index.ts';
import type { Registry } from '../../devices/registry/index.ts';
import { topicFor } from '../../devices/topics.ts';
import type { Clock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import type { CollectorContext, CollectorExtension, HandleResult } from '../../collector/extension.ts';
import type { PresenceService } from '../../collector/presence/service.ts';

/** An InfluxDB client with the presence schemas, so points are typed as the collector core writes them (online → 1i). */
export function schemaInflux(influx: InfluxDB, database: string): InfluxDB {
  const { host, port } = (influx as unknown as { _options: { hosts: { host: string; port: number }[] } })._options.hosts[0];
  return new InfluxDB({ host, port, database, schema: PRESENCE_SCHEMAS.map((s) => ({ ...s, database })) });
}

import { waitFor } from '../harness/wait.ts';
export { waitFor };

/** A driven clock: wall time = real time + offset, or frozen at `frozen`; timers never fire by themselves (tests call sweep()). */
export class TestClock implements Clock {
  offset = 0;
  frozen?: number;
  now = () => this.frozen ?? Date.now() + this.offset;
  monotonic = () => Number(process.hrtime.bigint() / 1_000_000n);
  setTimeout(): { cancel(): void } {
    return { cancel() {} };
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** A real aedes broker over TCP; restart() closes it (wills fire, clients drop) and listens again on the same port. */
export class TestBroker {
  port = 0;
  #broker?: Aedes;
  #server?: Server;

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.#broker = await Aedes.createBroker();
    const broker = this.#broker;
    this.#server = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const broker = this.#broker;
    const server = this.#server;
    this.#broker = undefined;
    this.#server = undefined;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }
}

/** A minimal collector core: subscribe, decode, route to the extensions, write their points, publish alerts. */
export class MiniCollector {
  client?: MqttClient;
  readonly results: HandleResult[] = [];
  readonly writeErrors: unknown[] = [];
  readonly ctx: CollectorContext;

  constructor(
    readonly deps: { registry: Registry; influx: InfluxDB; database: string; clock: Clock; url: string },
    readonly extensions: CollectorExtension[],
    readonly service: PresenceService,
  ) {
    const typed = schemaInflux(deps.influx, deps.database);
    this.ctx = {
      registry: deps.registry,
      clock: deps.clock,
      log: silentLogger,
      influx: typed,
      database: deps.database,
      write: (points: IPoint[]) => (points.length ? typed.writePoints(points, { database: deps.database, precision: 'ms' }) : Promise.resolve()),
      publish: (topic, payload, opts) => this.client!.publishAsync(topic, payload, { qos: 1, retain: opts?.retain ?? false }).then(() => undefined),
    };
  }

  async start(): Promise<void> {
    for (const e of this.extensions) await e.start?.(this.ctx);
    const client = mqtt.connect(this.deps.url, { clientId: `collector-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200, protocolVersion: 4 });
    this.client = client;
    client.on('connect', () => {
      for (const e of this.extensions) e.onBrokerConnect?.(this.deps.clock.now());
      client.subscribe(['tt/v1/+/availability', 'tt/v1/+/state', 'tt/v1/+/camera'], { qos: 1 });
    });
    client.on('message', (topic, payload, packet) => void this.#onMessage(topic, payload, packet.retain));
    await waitFor(() => client.connected, 20_000, 'collector connect');
  }

  async #onMessage(topic: string, bytes: Buffer, retained: boolean): Promise<void> {
    const d = decode(topic, bytes);
    if (!d.ok) return;
    const entry = this.deps.registry.device(d.deviceId);
    if (!entry) return;
    const ext = this.extensions.find((e) => (e.channels as readonly string[]).includes(d.channel));
    if (!ext) return;
    const r = ext.handle({ ...d, entry, receivedAt: this.deps.clock.now(), retained }, this.ctx);
    this.results.push(r);
    if ('points' in r) await this.ctx.write(r.points).catch((err) => (this.writeErrors.push(err), undefined));
  }

  async stop(): Promise<void> {
    for (const e of this.extensions) await e.stop?.();
    await this.client?.endAsync(true);
  }
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
      ...(this.opts.noWill ? {} : { will: { topic: availability, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } }),
    });
    this.client = client;
    client.on('connect', () => client.publish(availability, '{"state":"online"}', { qos: 1, retain: true }));
    await waitFor(() => client.connected, 20_000, `${this.id} connect`);
  }

  heartbeat(extra: Record<string, unknown> = {}, at: string | null = new Date().toISOString()): Promise<unknown> {
    // uptime grows with every heartbeat, as on a real device (a heartbeat not newer than the last is a replay)
    const state = { v: 1, at, clockSynced: at !== null, boot: this.#boot, uptimeS: ++this.#beats * 60, version: '0.1.0', outboxDepth: 0, ...extra };
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
