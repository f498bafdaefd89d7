import { silentLogger } from '../../infra/logger.ts';
import type { Clock } from '../../infra/clock.ts';
import type { BridgeContext, TrustedTime } from '../../firmware-bridge/unit.ts';

export type Published = { channel: string; payload: unknown; opts: unknown };

/**
 * A BridgeContext for one unit without broker or outbox: state sections and publishes are recorded. (The
 * speaker tests need a real MQTT link behind the context: tests/speaker/helpers/context.ts.)
 */
export function fakeContext(clock: Clock, time: TrustedTime = syncedTime, dataDir = '/nonexistent') {
  const sections: (() => unknown)[] = [];
  const published: Published[] = [];
  const ctx: BridgeContext = {
    deviceId: 'xa1-quay1-box',
    clock,
    time,
    log: silentLogger,
    dataDir,
    outbox: { add: async () => undefined, depth: () => 0 },
    publish: (channel, payload, opts) => void published.push({ channel, payload, opts }),
    subscribe: () => undefined,
    contributeState: (fn) => void sections.push(fn),
  };
  return { ctx, sections, published };
}

export const syncedTime: TrustedTime = { synced: () => true, whenSynced: async () => undefined };
export const unsyncedTime: TrustedTime = { synced: () => false, whenSynced: () => new Promise(() => undefined) };
