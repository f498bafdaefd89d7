import { connectAsync } from 'mqtt';
import type { Registry } from '../../devices/registry/index.ts';
import type { Channel } from '../../devices/topics.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Collector } from '../collector.ts';
import type { CollectorConfig } from '../config.ts';
import { brokerIdentity } from '../mqtt-link.ts';
import { Membership } from './membership.ts';
import { deviceFilters, ownedCommunes, registryView } from './rule.ts';

/**
 * Collectors sharing a province: each runs the ordinary collector on the communes the partition
 * rule gives it (rule.ts), and starts it again on the new share whenever the live membership
 * changes (membership.ts). A restart is the whole handover, so the collector itself needs no
 * notion of ownership:
 *  - its registry view makes it store, acknowledge and watch presence for its devices only, so no
 *    device is counted by two collectors; presence is rebuilt from InfluxDB and from the retained
 *    availability replayed on subscribe, so nothing is lost when a device changes collector;
 *  - its old persistent session is wiped first (it would still carry the previous share's
 *    subscriptions); ratings sent meanwhile are unacknowledged and the devices resend them, and a
 *    rating stored by both the old and the new owner is the same InfluxDB point (same series and
 *    time), written once.
 */
export type StartShare = (view: Registry, filters: (channels: readonly Channel[]) => string[]) => Promise<Collector>;

export type PartitionedCollector = {
  owned(): string[];
  members(): string[];
  current(): Collector | undefined;
  close(): Promise<void>;
};

export async function runPartitioned(deps: {
  config: CollectorConfig;
  registry: Registry;
  log: Logger;
  clock: Clock;
  start: StartShare;
}): Promise<PartitionedCollector> {
  const { config, registry, clock } = deps;
  const partition = config.partition!;
  const self = config.clientId;
  const log = deps.log.child({ component: 'partition', member: self });
  let owned: string[] = [];
  let current: Collector | undefined;
  let chain = Promise.resolve();
  let closed = false;

  const switchTo = (members: string[]) => {
    chain = chain
      .then(async () => {
        if (closed) return;
        const next = ownedCommunes(self, members, registry.communes.keys());
        if (current && next.join() === owned.join()) return;
        log.info({ members, communes: next }, 'partition share changing');
        await current?.close();
        current = undefined;
        await wipeSession(config);
        owned = next;
        const view = registryView(registry, next);
        current = await deps.start(view, (channels) => deviceFilters(view, channels));
        await current.subscribed;
        log.info({ members, communes: next }, 'partition share ready');
      })
      .catch((err: Error) => log.error({ err }, 'partition switch failed'));
  };

  const membership = new Membership(self, partition.redisUrl, partition.leaseMs, clock, switchTo, (err) =>
    log.warn({ err: err.message }, 'membership redis error'),
  );
  await membership.start();
  await chain;

  return {
    owned: () => owned,
    members: () => membership.members,
    current: () => current,
    async close() {
      closed = true;
      await membership.stop();
      await chain;
      await current?.close();
    },
  };
}

/** Drop the broker session of this collector id (its subscriptions are the previous share's). */
async function wipeSession(config: CollectorConfig): Promise<void> {
  try {
    const c = await connectAsync(config.broker.url, {
      ...brokerIdentity(config),
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    await c.endAsync();
  } catch {
    // broker unreachable: the new share's collector connects (and subscribes) when it is back
  }
}
