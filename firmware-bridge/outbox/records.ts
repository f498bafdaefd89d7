import { z } from 'zod';
import { TimeQuality, UtcTime } from '../../devices/contract/time.ts';

/**
 * Journal records. `add` carries the payload; a rating pressed before the clock was trusted carries
 * `pending` (boot id + monotonic ms) and a payload without `at`/`time` until a `res` record resolves it.
 * `ack` lists ids the collector confirmed. A replay applies them in order.
 */
export const PendingTime = z.strictObject({ boot: z.string().min(1).max(64), mono: z.number().nonnegative() });
export type PendingTime = z.infer<typeof PendingTime>;

export const ReceiptChannelName = z.enum(['rating', 'broadcast-log']);
/** the channels whose messages stay in the outbox until the collector acknowledges them */
export type ReceiptChannel = z.infer<typeof ReceiptChannelName>;

export const AddRecord = z.strictObject({
  t: z.literal('add'),
  id: z.string().min(1).max(64),
  ch: ReceiptChannelName,
  p: z.record(z.string(), z.unknown()),
  pending: PendingTime.optional(),
});
export const ResolveRecord = z.strictObject({
  t: z.literal('res'),
  id: z.string().min(1).max(64),
  at: UtcTime,
  time: TimeQuality,
});
export const AckRecord = z.strictObject({ t: z.literal('ack'), ids: z.array(z.string().min(1).max(64)) });
export const JournalRecord = z.discriminatedUnion('t', [AddRecord, ResolveRecord, AckRecord]);

export type AddRecord = z.infer<typeof AddRecord>;
export type ResolveRecord = z.infer<typeof ResolveRecord>;
export type JournalRecord = z.infer<typeof JournalRecord>;
