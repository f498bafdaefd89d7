import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { BootHistory } from './boot.ts';
import { resolvePressTime } from './resolve.ts';
import type { TrustedClock } from './trusted-time.ts';

/**
 * Resolves the outbox's pending ratings (see the time design in resolve.ts): at start (earlier boots,
 * or a crash between sync and resolution), when the clock becomes trusted, and after each pending add.
 */
export type TimeResolverDeps = {
  outbox: Outbox;
  history: BootHistory;
  time: TrustedClock;
  boot: string;
  clock: Clock;
  log: Logger;
};

export class TimeResolver {
  #running: Promise<void> | null = null;
  #again = false;
  resolved = { mapped: 0, estimated: 0 };

  constructor(private readonly deps: TimeResolverDeps) {}

  start(): Promise<void> {
    const { history, time, boot } = this.deps;
    history.noteBoot(boot);
    const point = time.syncPoint();
    if (point) history.noteSync(boot, point);
    time.onSync((p) => {
      history.noteSync(boot, p);
      void this.resolveAll();
    });
    return this.resolveAll();
  }

  /** run a pass; a request during a pass runs one more pass after it */
  resolveAll(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again);
    })().finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<void> {
    const { outbox, history, time, boot, clock, log } = this.deps;
    for (const entry of outbox.unresolved()) {
      const nowWall = time.synced() ? clock.now() : null;
      const r = resolvePressTime(entry.pending!, history, { boot, nowWall });
      if (!r) continue;
      try {
        await outbox.resolve(entry.id, new Date(r.at).toISOString(), r.time);
        if (r.time === 'mapped' || r.time === 'estimated') this.resolved[r.time]++;
      } catch (err) {
        log.error({ err, id: entry.id }, 'could not record a resolved time');
      }
    }
  }
}
