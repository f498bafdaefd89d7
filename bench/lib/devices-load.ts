import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { encode } from '../../devices/contract/index.ts';
import type { LevelKey } from '../../devices/levels.ts';
import { topicFor } from '../../devices/topics.ts';

/**
 * Simulated rating boxes for the benchmark: many MQTT connections publishing RatingPayloads at QoS 1,
 * each remembering when it sent every rating id, so the application ack from the collector (sent once
 * the point is in InfluxDB, i.e. queryable) gives press→queryable delay measured on one clock.
 */
export type LoadDevice = { id: string; password?: string };

export class DeviceFleet {
  readonly clients: MqttClient[] = [];
  readonly sentAt = new Map<string, number>();
  readonly delays: number[] = [];
  acked = 0;
  #seq = 0;

  constructor(
    readonly url: string,
    readonly devices: LoadDevice[],
  ) {}

  async connect(subscribeAcks = true): Promise<void> {
    await Promise.all(
      this.devices.map(
        (d) =>
          new Promise<void>((resolve, reject) => {
            const client = mqtt.connect(this.url, {
              clientId: d.id,
              username: d.password ? d.id : undefined,
              password: d.password,
              protocolVersion: 4,
              reconnectPeriod: 1000,
              connectTimeout: 20_000,
            });
            client.once('connect', () => {
              if (!subscribeAcks) return resolve();
              client.subscribe(topicFor(d.id, 'ack'), { qos: 1 }, (err) => (err ? reject(err) : resolve()));
            });
            client.on('message', (_topic, payload) => this.#onAck(payload));
            client.once('error', reject);
            this.clients.push(client);
          }),
      ),
    );
  }

  #onAck(payload: Buffer) {
    const now = performance.now();
    const { ids } = JSON.parse(payload.toString()) as { ids: string[] };
    for (const id of ids) this.markStored(id, now);
  }

  /** a rating id reached storage (used by the naive pipeline too, which has no ack) */
  markStored(id: string, now = performance.now()) {
    const sent = this.sentAt.get(id);
    if (sent === undefined) return;
    this.sentAt.delete(id);
    this.delays.push(now - sent);
    this.acked++;
  }

  #rating(deviceIndex: number): { topic: string; body: Buffer; id: string } {
    const id = randomUUID();
    const levels: LevelKey[] = ['rat-hai-long', 'hai-long', 'binh-thuong', 'khong-hai-long'];
    const seq = this.#seq++;
    const body = encode('rating', {
      v: 1,
      id,
      level: levels[seq % 4],
      at: new Date().toISOString(),
      time: 'synced',
      boot: 'bench',
      seq,
    });
    return { topic: topicFor(this.devices[deviceIndex].id, 'rating'), body, id };
  }

  /** Publish `perDevice` ratings from every device as fast as QoS 1 allows, `window` in flight per device. */
  async flood(perDevice: number, window = 50): Promise<number> {
    const t0 = performance.now();
    await Promise.all(
      this.clients.map(async (client, i) => {
        let inFlight = 0;
        let sent = 0;
        await new Promise<void>((resolve) => {
          const pump = () => {
            while (inFlight < window && sent < perDevice) {
              const r = this.#rating(i);
              this.sentAt.set(r.id, performance.now());
              inFlight++;
              sent++;
              client.publish(r.topic, r.body, { qos: 1 }, () => {
                inFlight--;
                if (sent === perDevice && inFlight === 0) resolve();
                else pump();
              });
            }
          };
          pump();
        });
      }),
    );
    return performance.now() - t0;
  }

  /** Publish at an aggregate rate for `seconds`, spread evenly over the devices. */
  async paced(ratePerSecond: number, seconds: number): Promise<number> {
    const total = Math.round(ratePerSecond * seconds);
    const t0 = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond));
        while (sent < due) {
          const i = sent % this.clients.length;
          const r = this.#rating(i);
          this.sentAt.set(r.id, performance.now());
          this.clients[i].publish(r.topic, r.body, { qos: 1 });
          sent++;
        }
        if (sent >= total) resolve();
        else setTimeout(tick, 5);
      };
      tick();
    });
    return total;
  }

  async waitStored(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.acked < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.acked >= expected;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
