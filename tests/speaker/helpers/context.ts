import mqtt, { type MqttClient } from 'mqtt';
import {
  decode,
  encode,
  type BroadcastLogPayload,
  type Payload,
  type ScheduleStatusPayload,
  type StatePayload,
} from '../../../devices/contract/index.ts';
import { topicFor, type DownlinkChannel } from '../../../devices/topics.ts';
import { silentLogger } from '../../../infra/logger.ts';
import type { Clock } from '../../../infra/clock.ts';
import { AREA_QOS, type BridgeContext, type TrustedTime } from '../../../firmware-bridge/unit.ts';

/**
 * A BridgeContext over a real MQTT client, standing in for the bridge core in speaker tests. Its outbox
 * keeps every log in memory until the collector acks its id, and re-publishes what is unacked on each
 * (re)connect, as the bridge's durable outbox does.
 */
export class TestContext {
  readonly client: MqttClient;
  readonly unacked = new Map<string, BroadcastLogPayload>();
  readonly statuses: ScheduleStatusPayload[] = [];
  private stateFns: (() => Partial<Pick<StatePayload, 'presses' | 'speaker'>>)[] = [];
  readonly ctx: BridgeContext;

  constructor(
    readonly deviceId: string,
    url: string,
    opts: { clock: Clock; time: TrustedTime; dataDir: string },
  ) {
    this.client = mqtt.connect(url, {
      clientId: `${deviceId}-${process.pid}`,
      reconnectPeriod: 200,
      connectTimeout: 5_000,
      clean: false,
    });
    this.client.on('connect', () => {
      this.client.subscribe(topicFor(deviceId, 'ack'), { qos: 1 });
      for (const log of this.unacked.values()) this.send(log);
    });
    this.client.on('message', (topic, bytes) => this.onMessage(topic, bytes));
    // like the bridge's outbox: what is not acknowledged is sent again (the collector may not have been subscribed)
    this.resend = setInterval(() => this.unacked.forEach((log) => this.send(log)), 2_000);
    const handlers = new Map<string, (msg: never) => void>();
    this.handlers = handlers;
    this.ctx = {
      deviceId,
      clock: opts.clock,
      time: opts.time,
      log: silentLogger,
      dataDir: opts.dataDir,
      outbox: {
        add: async (_channel, payload) => {
          const log = payload as BroadcastLogPayload;
          this.unacked.set(log.id, log);
          this.send(log);
        },
        depth: () => this.unacked.size,
      },
      publish: (channel, payload, o) => {
        if (channel === 'schedule-status') this.statuses.push(payload as ScheduleStatusPayload);
        this.client.publish(topicFor(deviceId, channel), encode(channel, payload), {
          retain: o?.retain ?? false,
          qos: o?.qos ?? 1,
        });
      },
      subscribe: (channel, handler) => {
        handlers.set(channel, handler as (msg: never) => void);
        this.client.subscribe(topicFor(deviceId, channel), { qos: 1 });
      },
      subscribeArea: (topic, handler) => {
        handlers.set(topic, handler as (msg: never) => void);
        this.client.subscribe(topic, { qos: AREA_QOS });
      },
      contributeState: (fn) => void this.stateFns.push(fn),
    };
  }

  private readonly handlers: Map<string, (msg: never) => void>;
  private readonly resend: NodeJS.Timeout;

  state(): Partial<Pick<StatePayload, 'presses' | 'speaker'>> {
    return Object.assign({}, ...this.stateFns.map((f) => f()));
  }

  private send(log: BroadcastLogPayload): void {
    if (this.client.connected)
      this.client.publish(topicFor(this.deviceId, 'broadcast-log'), encode('broadcast-log', log), { qos: 1 });
  }

  private onMessage(topic: string, bytes: Buffer): void {
    const area = this.handlers.get(topic);
    if (area) {
      let payload: unknown;
      try {
        payload = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        return area({ ok: false, error: 'payload-not-json', detail: String(err) } as never);
      }
      return area({ ok: true, payload } as never);
    }
    const d = decode(topic, bytes);
    if (d.ok && d.channel === 'ack') {
      for (const id of (d.payload as Payload<'ack'>).ids) this.unacked.delete(id);
      return;
    }
    const channel = (d.ok ? d.channel : d.channel) as DownlinkChannel | undefined;
    const handler = channel ? this.handlers.get(channel) : undefined;
    if (!handler) return;
    handler((d.ok ? { ok: true, payload: d.payload } : { ok: false, error: d.error, detail: d.detail }) as never);
  }

  async close(): Promise<void> {
    clearInterval(this.resend);
    await this.client.endAsync(true);
  }
}

/** The collector's side of broadcast logs: stores each and acks its id on tt/v1/<id>/ack. */
export class FakeCollector {
  readonly client: MqttClient;
  readonly logs: { deviceId: string; log: BroadcastLogPayload }[] = [];

  constructor(url: string) {
    this.client = mqtt.connect(url, {
      clientId: `collector-${process.pid}-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 200,
    });
    this.client.on('connect', () => this.client.subscribe('tt/v1/+/broadcast-log', { qos: 1 }));
    this.client.on('message', (topic, bytes) => {
      const d = decode(topic, bytes);
      if (!d.ok || d.channel !== 'broadcast-log') return;
      const log = d.payload as BroadcastLogPayload;
      if (!this.logs.some((l) => l.log.id === log.id)) this.logs.push({ deviceId: d.deviceId, log });
      this.client.publish(topicFor(d.deviceId, 'ack'), encode('ack', { ids: [log.id] }), { qos: 1 });
    });
  }

  of(deviceId: string): BroadcastLogPayload[] {
    return this.logs.filter((l) => l.deviceId === deviceId).map((l) => l.log);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
