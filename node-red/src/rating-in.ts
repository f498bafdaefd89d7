import { SATISFACTION_LEVELS } from '../../devices/levels.ts';
import { SATISFIED_MIN_VALUE } from '../../devices/analytics/satisfaction.ts';
import { decodeInArea } from './inbound.ts';
import type { RedApi, RedNode } from './red.ts';
import { attachSubscriber, RecentIds, type SubscriberProps } from './subscriber.ts';

export const RATING_IN_TYPE = 'thanthien-rating-in';

/**
 * "rating in": every rating of the chosen area that passes the contract, once, with its registry tags.
 * Output 1: msg.payload = the rating (contract shape) + device, value (1–4), label, satisfied; msg.tags.
 * Output 2: msg.payload = { reason, detail, device?, raw } for messages the contract or the registry refuses.
 */
export function registerRatingIn(RED: RedApi): void {
  RED.nodes.registerType(RATING_IN_TYPE, function (this: RedNode, props: SubscriberProps) {
    RED.nodes.createNode(this, props);
    const recent = new RecentIds();
    attachSubscriber(RED, this, props, ['rating'], (sub, topic, bytes) => {
      const inbound = decodeInArea(sub, topic, bytes);
      if (inbound?.message.channel !== 'rating') return;
      const { message: d, tags } = inbound;
      if (recent.seen(d.payload.id)) {
        sub.counts.duplicate++;
        return sub.refresh();
      }
      const level = SATISFACTION_LEVELS[d.payload.level];
      // satisfied: counts toward the satisfaction index (devices/analytics/satisfaction.ts: % of satisfied ratings)
      const satisfied = level.value >= SATISFIED_MIN_VALUE;
      sub.pass({
        topic,
        payload: { ...d.payload, device: d.deviceId, value: level.value, label: level.label, satisfied },
        tags,
      });
    });
  });
}
