import { encode } from '../devices/contract/index.ts';
import { topicFor } from '../devices/topics.ts';
import type { Logger } from '../infra/logger.ts';
import type { CollectorStats } from './stats.ts';

/** The ack schema allows at most this many ids per message. */
const MAX_IDS = 1000;

export type Publish = (topic: string, payload: Buffer) => Promise<void>;

/**
 * Application-level receipts: once a batch is durable, each device gets one message on
 * tt/v1/<deviceId>/ack with the ids it may drop from its outbox. A lost ack costs only a
 * redelivery, which overwrites the same point.
 */
export class Acker {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    readonly publish: Publish,
    readonly stats: CollectorStats,
    readonly log: Logger,
  ) {}

  /** Send the acks of one durable batch (never rejects: a failed ack is counted and logged). */
  ack(byDevice: Map<string, string[]>): Promise<void> {
    if (byDevice.size === 0) return Promise.resolve();
    const sends: Promise<void>[] = [];
    for (const [deviceId, ids] of byDevice) {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += MAX_IDS) sends.push(this.#send(deviceId, unique.slice(i, i + MAX_IDS)));
    }
    const all = Promise.all(sends).then(() => undefined);
    this.#inFlight.add(all);
    return all.finally(() => this.#inFlight.delete(all));
  }

  /** Resolves once every ack sent so far has been published or has failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  async #send(deviceId: string, ids: string[]): Promise<void> {
    try {
      await this.publish(topicFor(deviceId, 'ack'), encode('ack', { ids }));
      this.stats.acked += ids.length;
    } catch (err) {
      this.stats.ackFailed++;
      this.log.warn(
        { code: 'ACK_PUBLISH_FAILED', deviceId, ids: ids.length, err: (err as Error).message },
        'ack publish failed; the device will resend',
      );
    }
  }
}
