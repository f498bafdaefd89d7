import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { syncedRating } from '../support/rating-message.ts';
import { Province, waitFor } from './helpers.ts';

/**
 * aedes drops a packet that reaches delivery after a later one (its per-client high-water mark), and with the
 * Redis persistence retained and QoS 1 packets wait for Redis writes that QoS 0 and non-retained ones skip.
 * A collector reading a retained channel (state) and a plain one (rating) lost most states, and each lost QoS 1
 * packet stayed queued in Redis for a client that was online.
 */
const p = new Province();
beforeAll(() => p.start({ communes: 4, countersPerCommune: 3 }), 60_000);
afterAll(() => p.stop());

describe('delivery through the Redis persistence', () => {
  it('a persistent subscriber of a retained and a plain channel gets every message, and nothing stays queued in Redis', async () => {
    const node = await p.node();
    const collector = await p.connect('collector', node.port, { clientId: 'collector', clean: false });
    const got = new Map<string, number>();
    collector.on('message', (topic) => got.set(topic.split('/')[3]!, (got.get(topic.split('/')[3]!) ?? 0) + 1));
    await collector.subscribeAsync(['tt/v1/+/state', 'tt/v1/+/rating'], { qos: 1 });
    const boxes = [...p.registry.devices.values()]
      .filter((e) => e.device.kind === 'rating-box')
      .map((e) => e.device.id);
    const clients = await Promise.all(boxes.map((id) => p.connect(id, node.port)));
    const rounds = 8;
    for (let s = 0; s < rounds; s++) {
      await Promise.all(
        clients.map((c, i) =>
          Promise.all([
            c.publishAsync(
              topicFor(boxes[i]!, 'state'),
              encode('state', {
                v: 1,
                at: new Date().toISOString(),
                clockSynced: true,
                boot: 'b',
                uptimeS: s,
                version: 't',
                outboxDepth: 0,
              }),
              { qos: 1, retain: true },
            ),
            c.publishAsync(topicFor(boxes[i]!, 'rating'), syncedRating('b', s), { qos: 1 }),
          ]),
        ),
      );
    }
    const expected = boxes.length * rounds;
    await waitFor(
      () => (got.get('state') ?? 0) >= expected && (got.get('rating') ?? 0) >= expected,
      20_000,
      'every state and rating',
    );
    expect([got.get('state'), got.get('rating')]).toEqual([expected, expected]);
    // acknowledged packets leave Redis: no queue grows for an online client
    const redis = new Redis(p.redis.url);
    try {
      await waitFor(async () => (await redis.keys('packet:*')).length === 0, 10_000, 'no packet left queued');
    } finally {
      await redis.quit();
    }
    await Promise.all([...clients, collector].map((c) => c.endAsync(true)));
    await node.close();
  });
});
