import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { encode } from '../devices/contract/index.ts';
import type { Registry } from '../devices/registry/index.ts';
import { topicFor } from '../devices/topics.ts';
import { rng, visits } from './citizens.ts';
import { systemClock } from '../infra/clock.ts';
import { endClientBounded } from '../infra/mqtt-publish.ts';

/**
 * Past ratings for the demo's dashboards: `days` of realistic visits (opening hours, Vietnam time), published
 * as each rating box itself would after a long time offline, through the broker and the collector. Returns how
 * many the collector acknowledged.
 */
export async function publishHistory(opts: {
  registry: Registry;
  secrets: Record<string, string>;
  brokerUrl: string;
  days: number;
  seed?: number;
  timeoutMs?: number;
  /** the last `days` before `to` (default: an hour ago) */
  to?: number;
  /** visitors per counter per opening hour (default 6), and each box's quality */
  perHour?: number;
  quality?: (boxId: string) => number | undefined;
  skip?: ReadonlySet<string>;
}): Promise<number> {
  const random = rng(opts.seed ?? 7);
  const to = opts.to ?? Date.now() - 3600_000;
  const from = to - opts.days * 86_400_000;
  let acked = 0;
  for (const entry of opts.registry.devices.values()) {
    if (
      entry.device.kind !== 'rating-box' ||
      !entry.counter ||
      !opts.secrets[entry.device.id] ||
      opts.skip?.has(entry.device.id)
    )
      continue;
    const id = entry.device.id;
    const quality = 0.3 + random() * 0.6;
    const list = visits({
      counter: entry.counter,
      from,
      to,
      perHour: opts.perHour ?? 6,
      quality: opts.quality?.(id) ?? quality,
      random,
    });
    if (!list.length) continue;
    const pending = new Set<string>();
    const client = mqtt.connect(opts.brokerUrl, {
      clientId: id,
      username: id,
      password: opts.secrets[id],
      protocolVersion: 4,
      reconnectPeriod: 1000,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () =>
        client.subscribe(topicFor(id, 'ack'), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      );
      client.once('error', reject);
    });
    client.on('message', (_t, payload) => {
      for (const ack of (JSON.parse(payload.toString()) as { ids: string[] }).ids) if (pending.delete(ack)) acked++;
    });
    list.forEach((v, seq) => {
      const rating = {
        v: 1 as const,
        id: randomUUID(),
        level: v.level,
        at: new Date(v.at).toISOString(),
        time: 'synced' as const,
        boot: 'history',
        seq,
      };
      pending.add(rating.id);
      client.publish(topicFor(id, 'rating'), encode('rating', rating), { qos: 1 });
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (pending.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // past the deadline unacknowledged ratings may still be in flight: end bounded, never wait on the broker
    await endClientBounded(client, systemClock);
  }
  return acked;
}
