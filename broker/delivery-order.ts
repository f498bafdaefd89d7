import type { AedesPublishPacket, Client } from 'aedes';

/**
 * aedes drops a packet for a client when its broker counter is not above the highest one already delivered to
 * that client (lib/client.js `dedupe`, a high-water mark kept in `client.duplicates`). That holds only if
 * packets reach delivery in counter order, and with the Redis persistence they do not: a retained packet waits
 * for its Redis write, a QoS 1 packet for its offline-queue write, a QoS 0 or non-retained one for neither, so a
 * later packet overtakes an earlier one and the earlier one is dropped as a "duplicate" (aedes issues #955,
 * #994). Measured here: a collector subscribed to state (retained) and ratings got 40 of 500 states, and every
 * dropped QoS 1 packet stayed in Redis, queued for a client that was online (the soak's Redis growth).
 *
 * So every client gets a shared "nothing seen yet" mark, and the one repeat the mark was there for is caught
 * exactly instead: one packet matching two overlapping subscriptions of a client is offered to it twice in a row
 * (one emit, synchronously), so a packet equal to the last one forwarded to that client is not forwarded again.
 * Otherwise delivery is at least once, as QoS 1 promises (an offline queue replayed after a reconnect may repeat
 * a packet, which every consumer here absorbs: the collector stores by id and timestamp, downlinks are idempotent).
 */
const NOTHING_SEEN: Record<string, number> = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => 0,
  set: () => true,
});

export function deliverEveryPacket(client: Client): void {
  (client as unknown as { duplicates: Record<string, number> }).duplicates = NOTHING_SEEN;
}

type Mark = { brokerId: string; counter: number };

/** the exact-repeat check: call it for every packet offered to a client, before deciding to forward it */
export function createRepeatFilter() {
  const last = new WeakMap<Client, Mark>();
  return {
    isRepeat(client: Client, packet: AedesPublishPacket): boolean {
      const { brokerId, brokerCounter } = packet as { brokerId?: string; brokerCounter?: number };
      if (brokerId === undefined || brokerCounter === undefined) return false;
      const mark = last.get(client);
      if (mark && mark.brokerId === brokerId && mark.counter === brokerCounter) return true;
      if (mark) {
        mark.brokerId = brokerId;
        mark.counter = brokerCounter;
      } else {
        last.set(client, { brokerId, counter: brokerCounter });
      }
      return false;
    },
  };
}
