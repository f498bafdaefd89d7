import type { KeyObject } from 'node:crypto';
import { topicFor } from '../../devices/topics.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { verifyManifest } from '../../devices/release-signature.ts';
import { fail } from '../errors.ts';
import { publishWithTimeout, type MqttPublisher } from '../../infra/mqtt-publish.ts';

export type { Rollout as RolloutView } from '../api/update.ts';
import type { Rollout as RolloutView, RolloutRequest } from '../api/update.ts';

/**
 * A staged rollout: the signed announcement is published, retained, to each device of the communes in the order
 * given (commune by commune), at most `perMinute` devices a minute, so a bad release shows on a few Pis before it
 * reaches the province. The console relays; it cannot sign (the province key stays offline), and it refuses an
 * announcement the Pis would refuse.
 */
export class Rollouts {
  #next = 1;
  readonly #views: RolloutView[] = [];

  constructor(
    private readonly deps: {
      mqtt: MqttPublisher;
      clock: Clock;
      log: Logger;
      releaseKey?: KeyObject;
      publishTimeoutMs: number;
      devicesOf(commune: string): string[];
    },
  ) {}

  list(): RolloutView[] {
    return this.#views.map((v) => ({ ...v }));
  }

  start(body: RolloutRequest): RolloutView {
    const { announcement, communes, perMinute } = body;
    if (!this.deps.releaseKey) fail('UPDATES_UNCONFIGURED');
    if (!verifyManifest(announcement.manifest, announcement.sig, this.deps.releaseKey))
      fail('RELEASE_SIGNATURE_INVALID');
    const queue = communes.flatMap((c) => this.deps.devicesOf(c));
    const view: RolloutView = {
      id: this.#next++,
      version: announcement.manifest.version,
      communes,
      perMinute,
      total: queue.length,
      announced: 0,
      failed: 0,
      done: queue.length === 0,
    };
    this.#views.push(view);
    const payload = Buffer.from(JSON.stringify(announcement));
    const gapMs = 60_000 / perMinute;
    const step = async () => {
      const device = queue.shift();
      if (!device) {
        view.done = true;
        return;
      }
      try {
        const { mqtt, clock, publishTimeoutMs } = this.deps;
        await publishWithTimeout(
          mqtt,
          clock,
          topicFor(device, 'release'),
          payload,
          { qos: 1, retain: true },
          publishTimeoutMs,
        );
        view.announced++;
      } catch (err) {
        view.failed++;
        this.deps.log.warn({ device, err: (err as Error).message }, 'release announcement not published');
      }
      if (queue.length === 0) view.done = true;
      else this.deps.clock.setTimeout(() => void step(), gapMs);
    };
    void step();
    return { ...view };
  }
}
