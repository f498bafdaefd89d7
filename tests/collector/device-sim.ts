import type { MqttClient } from 'mqtt';
import { topicFor } from '../../devices/topics.ts';
import { publisher, rating } from './helpers.ts';

/** A rating box as the collector sees it: an outbox of unacknowledged messages, resent on demand. */
export class DeviceSim {
  readonly outbox = new Map<string, string>();
  readonly sent: string[] = [];
  private constructor(
    readonly client: MqttClient,
    readonly deviceId: string,
  ) {}

  static async connect(url: string, deviceId: string): Promise<DeviceSim> {
    const client = await publisher(url, `${deviceId}-${Math.random().toString(36).slice(2, 8)}`);
    const sim = new DeviceSim(client, deviceId);
    client.on('message', (_t, payload) => {
      for (const id of (JSON.parse(payload.toString()) as { ids: string[] }).ids) sim.outbox.delete(id);
    });
    await client.subscribeAsync(topicFor(deviceId, 'ack'), { qos: 1 });
    return sim;
  }

  async press(n = 1): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rating({ seq: this.sent.length });
      const bytes = JSON.stringify(r);
      this.outbox.set(r.id, bytes);
      this.sent.push(r.id);
      ids.push(r.id);
      await this.client.publishAsync(topicFor(this.deviceId, 'rating'), bytes, { qos: 1 });
    }
    return ids;
  }

  /** What the firmware does on reconnect: send every unacknowledged message again. */
  async resend(): Promise<number> {
    const pending = [...this.outbox.values()];
    for (const bytes of pending) await this.client.publishAsync(topicFor(this.deviceId, 'rating'), bytes, { qos: 1 });
    return pending.length;
  }

  /** Resend every few seconds until the outbox is empty, as the firmware does (e.g. before the collector subscribed). */
  async untilAcked(timeoutMs = 30_000, everyMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = Date.now();
    while (this.outbox.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.outbox.size} messages never acknowledged`);
      if (Date.now() - last >= everyMs) {
        await this.resend();
        last = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
