import type { Logger } from '../infra/logger.ts';
import type { RefusalReason } from './refusals.ts';

/** Retained on $SYS/tt/broker/refusals/<node>: cumulative counts of one node since it started (the collector stores them). */
export {
  BROKER_REFUSALS_FILTER as REFUSALS_FILTER,
  BrokerRefusalsPayload as RefusalsPayload,
  brokerRefusalsTopic as refusalsTopic,
} from '../devices/contract/broker-refusals.ts';
import type { BrokerRefusalsPayload as RefusalsPayload } from '../devices/contract/broker-refusals.ts';

export type BrokerStats = {
  refusals: Partial<Record<RefusalReason, number>>;
  clients: number;
  /** messages delayed by the rate limit (not refused) */
  throttled: number;
  /** scrypt verifications actually run (the rest came from the cache) */
  passwordVerifications: number;
};

export type RefusalContext = { clientId?: string | null; topic?: string; detail?: string };

/**
 * Counts and logs refusals. A flood of one reason from one client (a box replaying a big outbox
 * into a full queue) is logged on the 1st, 10th, 100th… occurrence so logs stay readable;
 * every occurrence is still counted.
 */
export class RefusalLog {
  readonly counts: Partial<Record<RefusalReason, number>> = {};
  throttled = 0;
  #perClient = new Map<string, number>();

  constructor(readonly log: Logger) {}

  refuse(reason: RefusalReason, ctx: RefusalContext): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const key = `${ctx.clientId ?? ''}\n${reason}`;
    const n = (this.#perClient.get(key) ?? 0) + 1;
    if (this.#perClient.size > 10_000) this.#perClient.clear();
    this.#perClient.set(key, n);
    if (Number.isInteger(Math.log10(n))) {
      this.log.warn(
        { clientId: ctx.clientId ?? null, topic: ctx.topic, reason, detail: ctx.detail, occurrence: n },
        'refused',
      );
    }
  }
}

/** the node's id on the refusals topic: its configured name, else the host name made a topic level */
export function nodeId(nodeName: string | undefined, hostname: string): string {
  return (
    nodeName ??
    (hostname
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 64) ||
      'broker')
  );
}

export function refusalsPayload(node: string, counts: BrokerStats['refusals'], clients: number, now: number): Buffer {
  const payload: RefusalsPayload = { v: 1, node, at: new Date(now).toISOString(), refusals: { ...counts }, clients };
  return Buffer.from(JSON.stringify(payload));
}
