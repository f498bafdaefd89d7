import { z } from 'zod';
import { UtcTime } from './time.ts';

/**
 * Each broker node publishes its cumulative refusal counts, retained, on its own topic
 * `$SYS/tt/broker/refusals/<node>`; the collector stores them tagged with the node, so dashboards sum the nodes
 * and show what the brokers turned away (bad passwords, ACL, oversize…) next to what the collector refused.
 * One topic per node: with one topic for all, the nodes' retained copies would overwrite each other.
 * It is a $SYS topic: no device can publish there, and wildcard subscriptions of devices never match it.
 */
export const BROKER_REFUSALS_PREFIX = '$SYS/tt/broker/refusals/';
/** what the collector subscribes to: every node's counts */
export const BROKER_REFUSALS_FILTER = `${BROKER_REFUSALS_PREFIX}+`;

/** a node id is one topic level: no '/', no wildcard, no '$' start */
export const BrokerNodeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'tên nút: chữ, số, ".", "_", "-" (một cấp chủ đề)');

export const brokerRefusalsTopic = (node: string) => `${BROKER_REFUSALS_PREFIX}${node}`;

export const BrokerRefusalsPayload = z.strictObject({
  v: z.literal(1),
  /** the publishing node; equals the topic's last level */
  node: BrokerNodeId,
  at: UtcTime,
  refusals: z.record(z.string().min(1).max(64), z.number().int().nonnegative()),
  clients: z.number().int().nonnegative(),
});
export type BrokerRefusalsPayload = z.infer<typeof BrokerRefusalsPayload>;
