import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ConnectionState } from './status.ts';

/**
 * One MQTT connection per config node, shared by every node that uses it (like Node-RED's own
 * mqtt-broker node). MQTT 3.1.1 (aedes speaks nothing else), clean session, reconnecting forever:
 * the broker may restart while Node-RED keeps running on a commune's Raspberry Pi.
 */
export type ConnectionOptions = {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** ms between reconnect attempts */
  reconnectPeriod?: number;
};

export type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;
export type StateListener = (state: ConnectionState, detail?: string) => void;

/** MQTT topic filter matching for the '+' and '#' wildcards (MQTT 3.1.1 §4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** CONNACK return codes 4 and 5 (MQTT 3.1.1 §3.2.2.3): credentials that will never work. */
const REFUSALS: Record<number, string> = {
  4: 'sai tên đăng nhập hoặc mật khẩu',
  5: 'tài khoản không có quyền kết nối',
};

export class SharedConnection {
  #client?: MqttClient;
  #state: ConnectionState = 'connecting';
  #detail?: string;
  /** why the last attempt failed (ECONNREFUSED, ...): shown with "mất kết nối" */
  #lastError?: string;
  readonly #subs = new Map<string, Set<MessageHandler>>();
  readonly #listeners = new Set<StateListener>();

  constructor(readonly options: ConnectionOptions) {}

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (this.#client) return;
    const { url, username, password, reconnectPeriod = 2000 } = this.options;
    const opts: IClientOptions = {
      protocolVersion: 4,
      clean: true,
      resubscribe: false, // we resubscribe ourselves on every connect, with our own bookkeeping
      reconnectPeriod,
      connectTimeout: 10_000,
      // the project broker requires client id = username (broker/auth.ts): one config node per service account
      clientId: this.options.clientId || username || `node-red-${randomBytes(4).toString('hex')}`,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    };
    const client = mqtt.connect(url, opts);
    this.#client = client;
    client.on('connect', () => {
      this.#lastError = undefined;
      // "connected" only once the subscriptions are granted: a green status means messages will arrive
      const filters = [...this.#subs.keys()];
      if (filters.length === 0) this.#setState('connected');
      else this.#subscribe(filters);
    });
    client.on('reconnect', () => this.#state !== 'refused' && this.#setState('connecting'));
    const lost = () =>
      this.#state !== 'refused' && this.#state !== 'closed' && this.#setState('disconnected', this.#lastError);
    client.on('close', lost);
    client.on('offline', lost);
    client.on('error', (err) => {
      const code = (err as { code?: number }).code;
      if (typeof code === 'number' && REFUSALS[code]) this.#setState('refused', REFUSALS[code]);
      else this.#lastError = (typeof code === 'string' ? code : err.message).slice(0, 80);
    });
    client.on('message', (topic, payload, packet) => this.#dispatch(topic, payload, packet.retain));
  }

  /** Add a handler for a filter; returns the function that removes it. */
  subscribe(filter: string, handler: MessageHandler): () => void {
    let set = this.#subs.get(filter);
    if (!set) {
      set = new Set();
      this.#subs.set(filter, set);
    }
    set.add(handler);
    // subscribe again even when the filter is already active: the broker then re-sends the retained
    // messages [MQTT-3.8.4-3], so a node deployed later also learns the current availability
    if (this.#client?.connected) this.#subscribe([filter]);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.#subs.get(filter) === set) {
        this.#subs.delete(filter);
        if (this.#client?.connected) this.#client.unsubscribe(filter);
      }
    };
  }

  /** Listen to state changes; the listener is called at once with the current state. */
  onState(listener: StateListener): () => void {
    this.#listeners.add(listener);
    listener(this.#state, this.#detail);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#setState('closed');
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  #subscribe(filters: string[]): void {
    this.#client?.subscribe(filters, { qos: 1 }, (err, granted) => {
      // a broker ACL refusal comes back as granted QoS 128 (MQTT 3.1.1 §3.9.3), or as an error from mqtt.js
      // (mqtt.js 5 fails the whole call when one topic is refused)
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (refused.length) this.#setState('refused', `không được phép đăng ký ${refused.join(', ')}`);
      else if (err && this.#client?.connected)
        this.#setState('refused', `không được phép đăng ký ${filters.join(', ')}`);
      else if (!err) this.#setState('connected');
      // an error while disconnected: the next connect subscribes again
    });
  }

  #dispatch(topic: string, payload: Buffer, retained: boolean): void {
    for (const [filter, handlers] of this.#subs) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of handlers) {
        try {
          handler(topic, payload, retained);
        } catch {
          /* a node's bug must not stop delivery to the other nodes; nodes catch and report their own errors */
        }
      }
    }
  }

  #setState(state: ConnectionState, detail?: string): void {
    if (state === this.#state && detail === this.#detail) return;
    this.#state = state;
    this.#detail = detail;
    for (const listener of this.#listeners) listener(state, detail);
  }
}
