import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { encode } from '../../devices/contract/index.ts';
import { validRating } from '../../devices/fixtures/messages.ts';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { TokenBucket } from '../../broker/rate-limit.ts';
import { BOX, collect, startTestBroker, waitFor } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';

const rating = (n: number) =>
  encode('rating', { ...validRating, seq: n, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });

/** send n QoS 1 ratings in one write burst; resolves when every PUBACK is in */
async function burst(client: MqttClient, n: number, from = 1): Promise<void> {
  client.stream.cork();
  const acks = Array.from({ length: n }, (_, i) =>
    client.publishAsync(topicFor(BOX, 'rating'), rating(from + i), { qos: 1 }),
  );
  process.nextTick(() => client.stream.uncork());
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(acks),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('PUBACKs missing')), 50_000))),
  ]);
  clearTimeout(timer);
}

describe('token bucket', () => {
  it('lets a burst through, then delays in order, then drops beyond maxQueued', () => {
    const clock = new FakeClock(1_780_000_000_000, 0);
    const bucket = new TokenBucket({ perSecond: 10, burst: 3, maxQueued: 2 }, clock);
    const ran: number[] = [];
    const kinds = [1, 2, 3, 4, 5, 6].map((n) => bucket.admit(() => ran.push(n)).kind);
    expect(kinds).toEqual(['now', 'now', 'now', 'later', 'later', 'drop']);
    expect(ran).toEqual([1, 2, 3]);
    clock.advance(100);
    expect(ran).toEqual([1, 2, 3, 4]);
    clock.advance(100);
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    expect(bucket.waiting).toBe(0);
    clock.advance(1_000); // refilled up to the burst, not beyond
    expect([7, 8, 9, 10].map((n) => bucket.admit(() => ran.push(n)).kind)).toEqual(['now', 'now', 'now', 'later']);
  });

  it('cancels delayed messages when the client goes', () => {
    const clock = new FakeClock(1_780_000_000_000, 0);
    const bucket = new TokenBucket({ perSecond: 1, burst: 1, maxQueued: 10 }, clock);
    const ran: number[] = [];
    bucket.admit(() => ran.push(1));
    bucket.admit(() => ran.push(2));
    bucket.cancel();
    clock.advance(10_000);
    expect(ran).toEqual([1]);
    expect(bucket.waiting).toBe(0);
  });
});

/** the project broker with this rate limit, the collector recording every rating, a box sending `n` at once */
async function burstThrough(rate: { perSecond: number; burst: number; maxQueued: number }, n: number) {
  const t = await startTestBroker({ config: { rate } });
  const collector = await t.connect('collector');
  const seen = await collect(collector, [channelFilter('rating')]);
  const box = await t.connect(BOX);
  await burst(box, n);
  return { t, seen, box };
}

describe('broker rate limit over TCP', () => {
  it('throttles a legitimate burst (an outbox draining) and still delivers every message, in order', async () => {
    const { t, seen, box } = await burstThrough({ perSecond: 100, burst: 20, maxQueued: 1000 }, 300);
    await waitFor(() => seen.length >= 300, 50_000, '300 ratings');
    expect(seen.map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const stats = t.broker.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.refusals['publish-rate-dropped']).toBeUndefined();
    expect(box.connected).toBe(true);
  });

  it('drops and counts beyond maxQueued waiting messages, acknowledges them, and keeps the client', async () => {
    const { t, seen, box } = await burstThrough({ perSecond: 20, burst: 1, maxQueued: 3 }, 100);
    const dropped = () => t.broker.stats().refusals['publish-rate-dropped'] ?? 0;
    await waitFor(() => seen.length + dropped() === 100, 50_000, 'every message delivered or dropped');
    expect(dropped()).toBeGreaterThan(0);
    expect(box.connected).toBe(true);
    const seqs = seen.map((m) => JSON.parse(m.payload).seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs); // what passes keeps its order
    await burst(box, 1, 1000); // and the next message after the flood is delivered
    await waitFor(() => seen.some((m) => JSON.parse(m.payload).seq === 1000), 20_000, 'the next message');
  });
});
