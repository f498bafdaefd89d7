import { EPOCH_FLOOR } from '../../devices/contract/time.ts';
import type { UnitEnv } from '../unit.ts';
import type { RatedPress, RatingSink } from './unit.ts';

/**
 * Ratings into the durable outbox: with their wall time when the clock was trusted at the press, else with the
 * boot and monotonic time, resolved by the core's time resolver once the clock is trusted.
 */
export function outboxRatingSink(env: Pick<UnitEnv, 'outbox' | 'resolveTimes'>): RatingSink {
  const { outbox } = env;
  return {
    isFull: () => outbox.isFull(),
    async record(p: RatedPress) {
      const base = {
        v: 1,
        id: p.id,
        level: p.level,
        boot: p.boot,
        seq: p.seq,
        ...(p.dossier ? { dossier: p.dossier } : {}),
        ...(p.procedure ? { procedure: p.procedure } : {}),
        ...(p.officer ? { officer: p.officer } : {}),
      };
      if (p.wall !== null && p.wall >= EPOCH_FLOOR) {
        await outbox.add('rating', { ...base, at: new Date(p.wall).toISOString(), time: 'synced' });
        return;
      }
      await outbox.add('rating', base, { boot: p.boot, mono: p.mono });
      void env.resolveTimes(); // the clock may have become trusted while this was written
    },
  };
}
