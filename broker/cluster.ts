import type { Aedes, Client } from 'aedes';
import { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import { closeRedis, redisOptions } from './persistence.ts';

/**
 * What a broker node adds to aedes when it shares Redis with other nodes.
 *
 * aedes publishes the wills of a node that stopped heartbeating from every live node that notices,
 * and it publishes them even when the device has since reconnected to another node: the late
 * "offline" would then overwrite the device's fresh retained "online". So each will is claimed
 * once in Redis (SET NX) before it is published, and dropped when its client is connected again on
 * a live node (where each client is connected is kept in a Redis hash, written on connect).
 */
const WHERE = 'tt:cluster:client-node';
const CLAIM = 'tt:cluster:will-claim:';
const CLAIM_MS = 10 * 60_000;
/** delete the client's entry only if it still names this node (it may have moved on already) */
const FORGET =
  "if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('hdel', KEYS[1], ARGV[1]) end return 0";

type Will = { clientId: string; brokerId: string; topic: string };
type WillStore = {
  streamWill(brokers: Record<string, number>): AsyncIterable<Will>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
};
type Counters = { willsClaimed: number; willsSkippedReconnected: number; willsClaimedElsewhere: number };

export type ClusterNode = {
  readonly counters: Counters;
  close(): Promise<void>;
};

export function joinCluster(opts: {
  aedes: Aedes;
  persistence: unknown;
  redisUrl: string;
  heartbeatIntervalMs: number;
  log: Logger;
}): ClusterNode {
  const { aedes, log } = opts;
  const redis = new Redis({ ...redisOptions(opts.redisUrl), maxRetriesPerRequest: 3, enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'cluster redis error'));
  const counters: Counters = { willsClaimed: 0, willsSkippedReconnected: 0, willsClaimedElsewhere: 0 };
  const failed = (what: string) => (err: Error) => log.warn({ err: err.message }, what);

  const onClient = (client: Client) =>
    void redis.hset(WHERE, client.id, aedes.id).catch(failed('could not record client location'));
  const onGone = (client: Client) =>
    void redis.eval(FORGET, 1, WHERE, client.id, aedes.id).catch(failed('could not clear client location'));
  aedes.on('client', onClient);
  aedes.on('clientDisconnect', onGone);

  const alive = (brokerId: string) => {
    const seen = (aedes.brokers as Record<string, number>)[brokerId];
    return seen !== undefined && seen + 3 * opts.heartbeatIntervalMs >= Date.now();
  };

  const store = opts.persistence as WillStore;
  const original = store.streamWill.bind(store);
  store.streamWill = (brokers) => guard(original(brokers));

  async function* guard(wills: AsyncIterable<Will>): AsyncIterable<Will> {
    for await (const will of wills) {
      if (alive(will.brokerId)) continue; // aedes skips it too: do not take the claim
      const where = await redis.hget(WHERE, will.clientId);
      const connectedElsewhere =
        where &&
        where !== will.brokerId &&
        (where === aedes.id
          ? !!(aedes as unknown as { clients: Record<string, unknown> }).clients[will.clientId]
          : alive(where));
      if (connectedElsewhere) {
        counters.willsSkippedReconnected++;
        await store.delWill({ id: will.clientId, brokerId: will.brokerId });
        log.info(
          { clientId: will.clientId, deadNode: will.brokerId, now: where },
          'will of a dead node dropped: its client is connected again',
        );
        continue;
      }
      const claimed = await redis.set(`${CLAIM}${will.brokerId}:${will.clientId}`, aedes.id, 'PX', CLAIM_MS, 'NX');
      if (claimed !== 'OK') {
        counters.willsClaimedElsewhere++;
        continue;
      }
      counters.willsClaimed++;
      log.info(
        { clientId: will.clientId, deadNode: will.brokerId, topic: will.topic },
        'publishing the will of a client of a dead node',
      );
      yield will;
    }
  }

  return {
    counters,
    async close() {
      aedes.removeListener('client', onClient);
      aedes.removeListener('clientDisconnect', onGone);
      await closeRedis(redis);
    },
  };
}
