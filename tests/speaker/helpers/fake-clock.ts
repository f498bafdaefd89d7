import type { Clock } from '../../../infra/clock.ts';
import type { TrustedTime } from '../../../firmware-bridge/unit.ts';

type Timer = { at: number; seq: number; fn: () => void };

/** Let promise chains and I/O callbacks settle (real MQTT and fs run meanwhile). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A clock that moves only when the test says so. Timers are monotonic; wall time can be stepped apart. */
export class FakeClock implements Clock {
  private mono = 1_000_000;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(private wall: number) {}

  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const t: Timer = { at: this.mono + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(t);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== t)) };
  }
  /** step the wall clock alone, like NTP correcting a Pi that booted at its last saved time */
  setWall(ms: number): void {
    this.wall = ms;
  }
  /** advance both clocks, firing due timers in order and letting async work settle after each */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.wall += due.at - this.mono;
      this.mono = due.at;
      due.fn();
      await settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
    await settle();
  }
}

/** TrustedTime the test switches on and off. */
export class FakeTrustedTime implements TrustedTime {
  private waiters: (() => void)[] = [];
  constructor(private isSynced: boolean) {}
  synced(): boolean {
    return this.isSynced;
  }
  whenSynced(): Promise<void> {
    return this.isSynced ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
  setSynced(v: boolean): void {
    this.isSynced = v;
    if (v) for (const w of this.waiters.splice(0)) w();
  }
}
