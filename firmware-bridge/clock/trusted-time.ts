import { EPOCH_FLOOR } from '../../devices/contract/time.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { TrustedTime } from '../unit.ts';
import type { SyncPoint } from './boot.ts';
import type { TimeSource } from './sources.ts';

/**
 * TrustedTime over pluggable sources (timesyncd's flag file, timedatectl, an RTC flag, a fake):
 * the clock is trusted once any source says so AND it reads after EPOCH_FLOOR. Trust is sticky for
 * the process: a lost NTP server does not make a set clock wrong. The sync point (wall, mono sampled
 * together) maps earlier presses of this boot to wall time.
 */
export type TrustedClockDeps = { clock: Clock; sources: TimeSource[]; pollMs?: number; log?: Logger };

export class TrustedClock implements TrustedTime {
  #point: SyncPoint | null = null;
  #waiters: (() => void)[] = [];
  #listeners: ((p: SyncPoint) => void)[] = [];
  #timer?: { cancel(): void };
  #running = false;

  constructor(private readonly deps: TrustedClockDeps) {}

  synced(): boolean {
    return this.#point !== null;
  }

  whenSynced(): Promise<void> {
    return this.#point ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }

  syncPoint(): SyncPoint | null {
    return this.#point;
  }

  onSync(fn: (p: SyncPoint) => void): void {
    this.#listeners.push(fn);
  }

  /** poll the sources once; true when trusted (now or before) */
  async check(): Promise<boolean> {
    if (this.#point) return true;
    const { clock, sources } = this.deps;
    for (const source of sources) {
      if (!(await source.synced())) continue;
      const wall = clock.now();
      if (wall < EPOCH_FLOOR) {
        this.deps.log?.warn(
          { source: source.name, wall },
          'time source says synced but the clock is before the epoch floor',
        );
        continue;
      }
      this.#markSynced({ wall, mono: clock.monotonic() }, source.name);
      return true;
    }
    return false;
  }

  #markSynced(point: SyncPoint, source: string): void {
    if (this.#point) return;
    this.#point = point;
    this.deps.log?.info({ source, at: new Date(point.wall).toISOString() }, 'clock trusted');
    for (const fn of this.#listeners) fn(point);
    for (const w of this.#waiters.splice(0)) w();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      void this.check().then((ok) => {
        if (this.#running && !ok) this.#timer = this.deps.clock.setTimeout(tick, this.deps.pollMs ?? 5_000);
      });
    };
    tick();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
  }
}
