import type { Clock } from '../../infra/clock.ts';

/**
 * Failed claims are counted per source address and in total over a sliding window; past either limit, claims
 * are refused (even with a good code) until the window has moved on. A good claim does not reset the count:
 * a guesser with one valid code of its own gains nothing.
 */
export class ClaimThrottle {
  #perSource = new Map<string, number[]>();
  #all: number[] = [];

  constructor(
    private readonly clock: Clock,
    readonly limits: { perSource: number; total: number; windowMs: number } = {
      perSource: 5,
      total: 50,
      windowMs: 15 * 60_000,
    },
  ) {}

  #prune(list: number[], now: number): number[] {
    const from = now - this.limits.windowMs;
    let i = 0;
    while (i < list.length && list[i]! <= from) i++;
    return i ? list.slice(i) : list;
  }

  blocked(source: string): boolean {
    const now = this.clock.now();
    this.#all = this.#prune(this.#all, now);
    const mine = this.#prune(this.#perSource.get(source) ?? [], now);
    if (mine.length) this.#perSource.set(source, mine);
    else this.#perSource.delete(source);
    return mine.length >= this.limits.perSource || this.#all.length >= this.limits.total;
  }

  failed(source: string): void {
    const now = this.clock.now();
    this.#all.push(now);
    const mine = this.#perSource.get(source) ?? [];
    mine.push(now);
    this.#perSource.set(source, mine);
    // bound memory under a spray of sources
    if (this.#perSource.size > 10_000) this.#perSource.delete(this.#perSource.keys().next().value!);
  }
}
