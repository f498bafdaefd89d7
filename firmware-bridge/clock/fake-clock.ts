import type { Clock } from '../../infra/clock.ts';

/** A clock the test drives: `advance(ms)` moves wall and monotonic time together and fires due timers. */
export class FakeClock implements Clock {
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(
    public wall = Date.parse('2026-11-25T02:00:00Z'),
    public mono = 1_000_000,
  ) {}
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const t = { at: this.mono + ms, fn, live: true };
    this.#timers.push(t);
    return { cancel: () => void (t.live = false) };
  }
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.wall += due.at - this.mono;
      this.mono = due.at;
      due.live = false;
      due.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
    this.#timers = this.#timers.filter((t) => t.live);
  }
  /** an NTP step: only the wall clock jumps */
  setWall(ms: number): void {
    this.wall = ms;
  }
}
