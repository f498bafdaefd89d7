import { z } from 'zod';
import { Id } from '../ids.ts';
import { UtcTime } from './time.ts';

/** What a loudspeaker did with one occurrence of a scheduled announcement (issue 3 refines this). */
export const BroadcastLogPayload = z.strictObject({
  v: z.literal(1),
  id: z.uuid(),
  announcement: Id,
  /** the scheduled start of this occurrence */
  occurrence: UtcTime,
  outcome: z.enum(['played', 'failed', 'skipped', 'missed']),
  startedAt: UtcTime.optional(),
  endedAt: UtcTime.optional(),
  reason: z.string().max(200).optional(),
});
export type BroadcastLogPayload = z.infer<typeof BroadcastLogPayload>;

/** The signed schedule document, retained on tt/v1/<speakerId>/schedule (issue 3 defines it). */
export const SchedulePayload = z.looseObject({ v: z.literal(1) });
export type SchedulePayload = z.infer<typeof SchedulePayload>;

/** A speaker's verdict on the schedule it received (issue 3 defines it). */
export const ScheduleStatusPayload = z.looseObject({ v: z.literal(1) });
export type ScheduleStatusPayload = z.infer<typeof ScheduleStatusPayload>;
