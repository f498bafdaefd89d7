import { connect, type MqttClient } from 'mqtt';
import { encode } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { rating } from '../collector/helpers.ts';

/**
 * A rating box as the firmware behaves (firmware-bridge/link.ts): clean session, a will, an outbox
 * of unacknowledged ratings resent after every reconnect, entries dropped only on the collector's ack.
 * It reconnects by itself (through the balancer when given its address).
 */
export class ClusterBox {
  readonly outbox = new Map<string, string>();
  readonly sent: string[] = [];
  readonly client: MqttClient;
  connects = 0;

  constructor(
    url: string,
    readonly id: string,
    password: string,
  ) {
    this.client = connect(url, {
      clientId: id,
      username: id,
      password,
      protocolVersion: 4,
      clean: true,
      keepalive: 5,
      reconnectPeriod: 300,
      connectTimeout: 5000,
      will: {
        topic: topicFor(id, 'availability'),
        payload: encode('availability', { state: 'offline' }),
        qos: 1,
        retain: true,
      },
    });
    this.client.on('connect', () => {
      this.connects++;
      this.client.subscribe(topicFor(id, 'ack'), { qos: 1 });
      this.client.publish(topicFor(id, 'availability'), encode('availability', { state: 'online' }), {
        qos: 1,
        retain: true,
      });
      this.resend();
    });
    this.client.on('error', () => undefined);
    this.client.on('message', (_t, payload) => {
      for (const ack of (JSON.parse(payload.toString()) as { ids: string[] }).ids) this.outbox.delete(ack);
    });
  }

  /** a press: into the outbox, then published (mqtt.js keeps it while offline) */
  press(): string {
    const r = rating({ seq: this.sent.length });
    const bytes = JSON.stringify(r);
    this.outbox.set(r.id, bytes);
    this.sent.push(r.id);
    this.client.publish(topicFor(this.id, 'rating'), bytes, { qos: 1 });
    return r.id;
  }

  resend(): void {
    for (const bytes of this.outbox.values()) this.client.publish(topicFor(this.id, 'rating'), bytes, { qos: 1 });
  }

  readonly #boot = `boot-${Math.random().toString(36).slice(2, 8)}`;
  readonly #startedAt = Date.now();

  /** the firmware's periodic heartbeat (proves life to presence) */
  heartbeat(): void {
    const payload = encode('state', {
      v: 1,
      at: new Date().toISOString(),
      clockSynced: true,
      boot: this.#boot,
      uptimeS: (Date.now() - this.#startedAt) / 1000,
      version: 'test',
      outboxDepth: this.outbox.size,
    });
    this.client.publish(topicFor(this.id, 'state'), payload, { qos: 1, retain: true });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
