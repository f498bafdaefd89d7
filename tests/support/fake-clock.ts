import type { Clock } from '../../infra/clock.ts';

type Timer = { at: number; seq: number; fn: () => void };

/** Let promise chains and I/O callbacks settle (real MQTT, sockets and fs run meanwhile). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * The test suite's one clock (the only mock besides hardware pins and input devices): it moves only when the
 * test says so. Timers run on monotonic time; the wall clock can be stepped apart (NTP correcting a Pi).
 */
export class FakeClock implements Clock {
  #timers: Timer[] = [];
  #seq = 0;

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
    const t: Timer = { at: this.mono + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(t);
    return { cancel: () => void (this.#timers = this.#timers.filter((x) => x !== t)) };
  }
  /** how many timers are waiting (a finished operation should leave none behind) */
  get pending(): number {
    return this.#timers.length;
  }
  /** step the wall clock alone, like NTP correcting a Pi that booted at its last saved time */
  setWall(ms: number): void {
    this.wall = ms;
  }
  /** advance both clocks, firing due timers in order, synchronously */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (let due = this.#next(target); due; due = this.#next(target)) this.#fire(due);
    this.wall += target - this.mono;
    this.mono = target;
  }
  /** advance both clocks, letting async work settle after each timer (it may set the next one) */
  async advanceSettled(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (let due = this.#next(target); due; due = this.#next(target)) {
      this.#fire(due);
      await settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
    await settle();
  }

  #next(target: number): Timer | undefined {
    return this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }
  #fire(t: Timer): void {
    this.#timers = this.#timers.filter((x) => x !== t);
    this.wall += t.at - this.mono;
    this.mono = t.at;
    t.fn();
  }
}
