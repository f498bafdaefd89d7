import { z } from 'zod';
import { UtcTime } from './time.ts';

/**
 * The broker publishes its cumulative refusal counts, retained, on this topic; the collector stores them so
 * dashboards show what the broker turned away (bad passwords, ACL, oversize…) next to what the collector refused.
 * It is a $SYS topic: no device can publish there, and wildcard subscriptions of devices never match it.
 */
export const BROKER_REFUSALS_TOPIC = '$SYS/tt/broker/refusals';

export const BrokerRefusalsPayload = z.strictObject({
  v: z.literal(1),
  at: UtcTime,
  refusals: z.record(z.string().min(1).max(64), z.number().int().nonnegative()),
  clients: z.number().int().nonnegative(),
});
export type BrokerRefusalsPayload = z.infer<typeof BrokerRefusalsPayload>;
