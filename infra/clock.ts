/** The injected clock: services never call Date.now() directly, so tests can drive time. */
export interface Clock {
  /** wall time, ms since the Unix epoch (may be wrong on an unsynced Pi) */
  now(): number;
  /** monotonic ms (CLOCK_MONOTONIC: since the kernel booted, shared by processes of one boot) */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => Number(process.hrtime.bigint() / 1_000_000n),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
