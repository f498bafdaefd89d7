import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { decode, encode, type Payload } from '../devices/contract/index.ts';
import { parseAreaTopic, topicFor, type DownlinkChannel, type UplinkChannel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { endClientBounded, publishWithTimeout, PublishTimeoutError } from '../infra/mqtt-publish.ts';
import type { Outbox, OutboxEntry } from './outbox/outbox.ts';
import { AREA_QOS, type AreaMessage } from './unit.ts';

/**
 * The bridge's MQTT link (MQTT 3.1.1: aedes speaks nothing else).
 *
 * - `mqtt.connect`, never connectAsync: a box that boots before the broker keeps retrying, with our own
 *   capped exponential backoff (mqtt.js' reconnectPeriod is a fixed interval).
 * - clean session (clean: true). Uplink durability is our outbox, not the broker's session: every
 *   unacknowledged message is re-sent on each connect; a downlink ack missed while offline costs only a
 *   duplicate (the collector is idempotent by id and acks again); the speaker's schedule is retained.
 *   A persistent session would only make the broker (in-memory persistence by default) queue acks
 *   for offline boxes and lose them on restart anyway.
 * - last will: retained {state:'offline'} on the availability topic; retained 'online' on connect.
 * - the outbox drains with a bounded in-flight window: a message leaves the window when the
 *   collector's ack (tt/v1/<id>/ack) removes it from the outbox, when its PUBACK does not come
 *   within publishTimeoutMs, or when the ack does not come within resendAfterMs (then it is re-sent).
 */
export type LinkOptions = {
  deviceId: string;
  url: string;
  password: string;
  ca?: Buffer;
  keepaliveS: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  inFlight: number;
  publishTimeoutMs: number;
  resendAfterMs: number;
};

export type MqttFactory = (url: string, opts: IClientOptions) => MqttClient;

export type LinkDeps = { options: LinkOptions; outbox: Outbox; clock: Clock; log: Logger; mqttFactory?: MqttFactory };

type DownlinkHandler = (msg: { ok: true; payload: unknown } | { ok: false; error: string; detail: string }) => void;

export type LinkStats = {
  connected: boolean;
  connects: number;
  sent: number;
  resent: number;
  publishTimeouts: number;
  publishErrors: number;
  acked: number;
  pubacks: number;
  handlerErrors: number;
  invalidDownlink: number;
  droppedOffline: number;
  inFlight: number;
};

export class Link {
  #client?: MqttClient;
  #inflight = new Map<string, { sentAt: number; puback: boolean }>();
  #handlers = new Map<DownlinkChannel, DownlinkHandler[]>();
  #areaHandlers = new Map<string, ((msg: AreaMessage) => void)[]>();
  #connectListeners: (() => void)[] = [];
  #attempt = 0;
  #reconnectTimer?: { cancel(): void };
  #sweepTimer?: { cancel(): void };
  #stopping = false;
  #everSent = new Set<string>();
  #lastAttemptAt = 0;
  readonly #stats = {
    connects: 0,
    sent: 0,
    resent: 0,
    publishTimeouts: 0,
    publishErrors: 0,
    acked: 0,
    pubacks: 0,
    handlerErrors: 0,
    invalidDownlink: 0,
    droppedOffline: 0,
  };

  constructor(private readonly deps: LinkDeps) {}

  get connected(): boolean {
    return !!this.#client?.connected;
  }

  start(): void {
    const { options: o, outbox, mqttFactory = mqtt.connect } = this.deps;
    const availability = topicFor(o.deviceId, 'availability');
    this.#client = mqttFactory(o.url, {
      clientId: o.deviceId,
      username: o.deviceId,
      password: o.password,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS,
      connectTimeout: o.connectTimeoutMs,
      reconnectPeriod: 0, // our own backoff, see #onClose
      queueQoSZero: false,
      ...(o.ca ? { ca: o.ca, rejectUnauthorized: true } : {}),
      will: { topic: availability, payload: encode('availability', { state: 'offline' }), qos: 1, retain: true },
    });
    this.#lastAttemptAt = this.deps.clock.monotonic();
    this.#client.on('connect', () => this.#onConnect());
    this.#client.on('close', () => this.#onClose());
    this.#client.on('error', (err) =>
      this.deps.log.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'mqtt error'),
    );
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload));
    outbox.on('ready', () => this.drain());
    outbox.on('removed', (ids) => {
      for (const id of ids) {
        this.#inflight.delete(id);
        this.#everSent.delete(id);
      }
      this.drain();
    });
    this.#sweep();
  }

  #onConnect(): void {
    const { options: o, log } = this.deps;
    this.#attempt = 0;
    this.#stats.connects++;
    log.info({ url: o.url }, 'connected to broker');
    this.#client!.publish(topicFor(o.deviceId, 'availability'), encode('availability', { state: 'online' }), {
      qos: 1,
      retain: true,
    });
    this.#client!.subscribe(
      ['ack', ...this.#handlers.keys()]
        .filter((c, i, a) => a.indexOf(c) === i)
        .map((c) => topicFor(o.deviceId, c as DownlinkChannel)),
      { qos: 1 },
      (err) => err && log.warn({ err: err.message }, 'subscribe failed'),
    );
    if (this.#areaHandlers.size > 0) {
      this.#client!.subscribe(
        [...this.#areaHandlers.keys()],
        { qos: AREA_QOS },
        (err) => err && log.warn({ err: err.message }, 'subscribe failed'),
      );
    }
    this.#inflight.clear(); // re-send everything unacknowledged on every connect
    for (const fn of this.#connectListeners) fn();
    this.drain();
  }

  #onClose(): void {
    this.#inflight.clear();
    if (this.#stopping || this.#reconnectTimer) return;
    const { reconnectMinMs, reconnectMaxMs } = this.deps.options;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(this.#attempt++, 20));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5)); // jitter: 30 boxes of a commune do not reconnect in step
    this.#reconnectTimer = this.deps.clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#stopping || this.connected) return;
      this.#lastAttemptAt = this.deps.clock.monotonic();
      this.#client?.reconnect();
    }, delay);
  }

  #onMessage(topic: string, bytes: Buffer): void {
    const area = this.#areaHandlers.get(topic);
    if (area && parseAreaTopic(topic)) {
      let msg: AreaMessage;
      try {
        msg = { ok: true, payload: JSON.parse(bytes.toString('utf8')) };
      } catch (err) {
        this.#stats.invalidDownlink++;
        msg = { ok: false, error: 'payload-not-json', detail: (err as Error).message.slice(0, 150) };
      }
      for (const h of area) this.#call(h as DownlinkHandler, msg as Parameters<DownlinkHandler>[0]);
      return;
    }
    const d = decode(topic, bytes);
    if (!d.ok) {
      this.#stats.invalidDownlink++;
      this.deps.log.warn({ topic, error: d.error, detail: d.detail }, 'invalid downlink message');
      const handlers =
        d.channel && d.deviceId === this.deps.options.deviceId
          ? this.#handlers.get(d.channel as DownlinkChannel)
          : undefined;
      for (const h of handlers ?? []) this.#call(h, { ok: false, error: d.error, detail: d.detail });
      return;
    }
    if (d.deviceId !== this.deps.options.deviceId) return;
    if (d.channel === 'ack') {
      this.#stats.acked += d.payload.ids.length;
      void this.deps.outbox
        .confirm(d.payload.ids)
        .catch((err) => this.deps.log.error({ err }, 'outbox confirm failed'));
    }
    for (const h of this.#handlers.get(d.channel as DownlinkChannel) ?? [])
      this.#call(h, { ok: true, payload: d.payload });
  }

  /** a unit's handler that throws must not take the link (and the process) down */
  #call(handler: DownlinkHandler, msg: Parameters<DownlinkHandler>[0]): void {
    try {
      handler(msg);
    } catch (err) {
      this.#stats.handlerErrors++;
      this.deps.log.error({ err }, 'downlink handler failed');
    }
  }

  /** send what fits in the window; called on connect, on new entries, on acks and by the sweep */
  drain(): void {
    if (!this.connected || this.#stopping) return;
    for (const entry of this.deps.outbox.readyEntries()) {
      if (this.#inflight.size >= this.deps.options.inFlight) break;
      if (!this.#inflight.has(entry.id)) this.#send(entry);
    }
  }

  #send(entry: OutboxEntry): void {
    const { clock, log, options: o } = this.deps;
    let bytes: Buffer;
    try {
      bytes = encode(entry.channel, entry.payload as Payload<typeof entry.channel>);
    } catch (err) {
      this.#stats.publishErrors++;
      log.error({ err, id: entry.id }, 'outbox entry does not match the contract');
      return;
    }
    const slot = { sentAt: clock.monotonic(), puback: false };
    this.#inflight.set(entry.id, slot);
    if (this.#everSent.has(entry.id)) this.#stats.resent++;
    else this.#everSent.add(entry.id);
    this.#stats.sent++;
    // a message without its PUBACK in time leaves the window (the sweep sends it again); a late PUBACK is ignored
    publishWithTimeout(
      this.#client!,
      clock,
      topicFor(o.deviceId, entry.channel),
      bytes,
      { qos: 1 },
      o.publishTimeoutMs,
    ).then(
      () => {
        slot.puback = true;
        this.#stats.pubacks++;
      },
      (err: unknown) => {
        if (err instanceof PublishTimeoutError) this.#stats.publishTimeouts++;
        else this.#stats.publishErrors++;
        if (this.#inflight.get(entry.id) === slot) this.#inflight.delete(entry.id);
      },
    );
  }

  #sweep(): void {
    const { clock, options: o } = this.deps;
    const now = clock.monotonic();
    for (const [id, slot] of this.#inflight) {
      if (slot.puback && now - slot.sentAt >= o.resendAfterMs) this.#inflight.delete(id);
    }
    // safety net: an attempt that ended without a 'close' event must not leave the box offline for good
    if (
      !this.connected &&
      !this.#stopping &&
      !this.#reconnectTimer &&
      now - this.#lastAttemptAt > o.connectTimeoutMs + o.reconnectMaxMs
    ) {
      this.#onClose();
    }
    this.drain();
    this.#sweepTimer = clock.setTimeout(() => this.#sweep(), Math.max(100, Math.min(o.resendAfterMs / 2, 5_000)));
  }

  /** state-like messages: sent when connected, otherwise dropped and counted (state is re-sent on connect) */
  publish<C extends UplinkChannel>(
    channel: C,
    payload: Payload<C>,
    opts: { retain?: boolean; qos?: 0 | 1 } = {},
  ): void {
    if (!this.connected) {
      this.#stats.droppedOffline++;
      return;
    }
    let bytes: Buffer;
    try {
      bytes = encode(channel, payload);
    } catch (err) {
      this.#stats.publishErrors++;
      this.deps.log.error({ err, channel }, 'refusing to publish a payload that does not match the contract');
      return;
    }
    this.#client!.publish(
      topicFor(this.deps.options.deviceId, channel),
      bytes,
      { qos: opts.qos ?? 1, retain: opts.retain ?? false },
      (err) => {
        if (err) this.#stats.publishErrors++;
      },
    );
  }

  subscribe(channel: DownlinkChannel, handler: DownlinkHandler): void {
    const list = this.#handlers.get(channel) ?? [];
    this.#handlers.set(channel, [...list, handler]);
    if (this.connected && list.length === 0 && channel !== 'ack') {
      this.#client!.subscribe(topicFor(this.deps.options.deviceId, channel), { qos: 1 });
    }
  }

  /** an area stop topic of the device's units (retained); subscribed again on every connect */
  subscribeArea(topic: string, handler: (msg: AreaMessage) => void): void {
    const list = this.#areaHandlers.get(topic) ?? [];
    this.#areaHandlers.set(topic, [...list, handler]);
    if (this.connected && list.length === 0) this.#client!.subscribe(topic, { qos: AREA_QOS });
  }

  onConnect(fn: () => void): void {
    this.#connectListeners.push(fn);
  }

  stats(): LinkStats {
    return { connected: this.connected, inFlight: this.#inflight.size, ...this.#stats };
  }

  /** graceful: retained 'offline' (a clean DISCONNECT suppresses the will), then disconnect; bounded by a timeout */
  async stop(timeoutMs = 3_000): Promise<void> {
    this.#stopping = true;
    this.#reconnectTimer?.cancel();
    this.#sweepTimer?.cancel();
    const client = this.#client;
    if (!client) return;
    if (client.connected) {
      const offline = encode('availability', { state: 'offline' });
      await publishWithTimeout(
        client,
        this.deps.clock,
        topicFor(this.deps.options.deviceId, 'availability'),
        offline,
        { qos: 1, retain: true },
        timeoutMs,
      ).catch((err: unknown) => this.deps.log.warn({ err }, 'retained offline not acknowledged'));
    }
    await endClientBounded(client, this.deps.clock, timeoutMs);
  }
}
