import type { Clock } from '../infra/clock.ts';

/**
 * Per-client token bucket that throttles before it drops. A message over the rate is not refused:
 * its authorization is delayed until a token is due, so aedes sends the PUBACK later and stops
 * reading the socket meanwhile (aedes parses the next chunk only when the current one is done),
 * which is TCP back-pressure on the device. Only beyond `maxQueued` messages waiting at once is
 * a message dropped (and counted by the caller).
 */
export type RateOptions = { perSecond: number; burst: number; maxQueued: number };

export type Admission = { kind: 'now' } | { kind: 'later'; waitMs: number } | { kind: 'drop' };

export class TokenBucket {
  #tokens: number;
  #at: number;
  #waiting = 0;
  #timers = new Set<{ cancel(): void }>();

  constructor(
    readonly options: RateOptions,
    readonly clock: Clock,
  ) {
    this.#tokens = options.burst;
    this.#at = clock.monotonic();
  }

  /** messages currently delayed */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Decide for one message and schedule `run` (now or when its token is due). Tokens may go
   * negative: each delayed message owns the next due token, so delays grow in arrival order
   * and the order of one client's messages is kept.
   */
  admit(run: () => void): Admission {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      run();
      return { kind: 'now' };
    }
    if (this.#waiting >= this.options.maxQueued) return { kind: 'drop' };
    this.#tokens -= 1;
    const waitMs = Math.ceil((-this.#tokens / this.options.perSecond) * 1000); // when the deficit is refilled
    this.#waiting++;
    const timer = this.clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#waiting--;
      run();
    }, waitMs);
    this.#timers.add(timer);
    return { kind: 'later', waitMs };
  }

  /** the client is gone: its delayed messages die with its connection (mqtt.js resends unacked QoS 1) */
  cancel(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.#waiting = 0;
  }

  #refill(): void {
    const now = this.clock.monotonic();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.options.burst, this.#tokens + (elapsed / 1000) * this.options.perSecond);
  }
}
