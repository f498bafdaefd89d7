import { silentLogger } from '../../infra/logger.ts';
import type { Clock } from '../../infra/clock.ts';
import type { BridgeContext, TrustedTime } from '../../firmware-bridge/unit.ts';

/** A BridgeContext for one unit without broker or outbox: sections and publishes are recorded. */
export function fakeContext(clock: Clock, time: TrustedTime, dataDir: string) {
  const sections: (() => unknown)[] = [];
  const ctx: BridgeContext = {
    deviceId: 'xa1-quay1-box',
    clock,
    time,
    log: silentLogger,
    dataDir,
    outbox: { add: async () => undefined, depth: () => 0 },
    publish: () => undefined,
    subscribe: () => undefined,
    contributeState: (fn) => void sections.push(fn),
  };
  return { ctx, sections };
}

export const syncedTime: TrustedTime = { synced: () => true, whenSynced: async () => undefined };
export const unsyncedTime: TrustedTime = { synced: () => false, whenSynced: () => new Promise(() => undefined) };
