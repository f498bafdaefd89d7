import { z } from 'zod';
import { Level } from '../levels.ts';
import { TimeQuality, UtcTime } from './time.ts';

/** One citizen's press on a rating box, as published on tt/v1/<deviceId>/rating (QoS 1). */
export const RatingPayload = z.strictObject({
  v: z.literal(1),
  /** unique per rating, made on the device; QoS 1 and outbox replays may deliver it twice */
  id: z.uuid(),
  level: Level,
  /** when the button was pressed (UTC) */
  at: UtcTime,
  time: TimeQuality,
  /** kernel boot id of the press and the press number in that boot: audit trail for the time mapping */
  boot: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
});
export type RatingPayload = z.infer<typeof RatingPayload>;
