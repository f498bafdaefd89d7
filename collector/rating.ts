import { FieldType } from 'influx';
import { EPOCH_FLOOR } from '../devices/contract/time.ts';
import { levelValue } from '../devices/levels.ts';
import type { CollectorExtension, HandleResult, InboundMessage, CollectorContext } from './extension.ts';
import { MEASUREMENTS } from './schema.ts';
import { idTimestampNs } from './timestamp.ts';

/** A press reported more than this far after the collector received it comes from a wrong clock. */
export const MAX_FUTURE_MS = 5 * 60_000;

export const RATING_TAGS = ['province', 'district', 'commune', 'device', 'kind', 'counter', 'hamlet', 'level', 'time_quality'];

/**
 * One citizen rating → one point. The time must be plausible (not before EPOCH_FLOOR, not more than
 * 5 min ahead of reception). An implausible time cannot be put on the time axis without lying, so the
 * rating is refused as 'rating-time-implausible': the rejection point keeps the whole payload (the
 * level is recoverable by an operator) and the core still acknowledges the id, because the device
 * would otherwise resend a message that can never become valid and fill its outbox.
 */
export class RatingExtension implements CollectorExtension {
  readonly name = 'rating';
  readonly channels = ['rating'] as const;
  readonly schema = [
    {
      measurement: MEASUREMENTS.rating,
      fields: { value: FieldType.INTEGER, id: FieldType.STRING },
      tags: RATING_TAGS,
    },
  ];

  handle(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    if (msg.channel !== 'rating') return { reject: 'wrong-channel', detail: `rating extension got ${msg.channel}` };
    const p = msg.payload;
    const at = Date.parse(p.at);
    if (at < EPOCH_FLOOR || at > msg.receivedAt + MAX_FUTURE_MS) {
      return {
        reject: 'rating-time-implausible',
        detail: `at ${p.at} received ${new Date(msg.receivedAt).toISOString()}; payload ${JSON.stringify(p)}`,
      };
    }
    // a box configured with fewer buttons (registry `levels`) cannot have pressed another level: a forged or
    // misconfigured device; refused and counted, and acknowledged like any refusal so it is not resent forever
    const device = msg.entry.device;
    const levels = device.kind === 'rating-box' ? device.levels : undefined;
    if (levels && !levels.includes(p.level)) {
      return { reject: 'rating-level-not-on-device', detail: `level ${p.level} not in [${levels.join(', ')}]; payload ${JSON.stringify(p)}` };
    }
    const point = {
      measurement: MEASUREMENTS.rating,
      tags: { ...ctx.registry.deviceTags(msg.entry), level: p.level, time_quality: p.time },
      fields: { value: levelValue(p.level), id: p.id },
      timestamp: idTimestampNs(at, p.id),
    };
    return { points: [point], ackId: p.id };
  }
}
