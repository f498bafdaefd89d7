import { systemClock, type Clock } from '../../infra/clock.ts';

/**
 * The real clock with its wall time moved by the test (FakeClock's counterpart for real services): wall time =
 * real time + `offset`, or frozen at `frozen`; monotonic time is real. With `timers: 'never'` its timers never
 * fire (a unit under test is driven by hand); with 'real' they run in real time, so a real collector's batches,
 * spool probes and publish timeouts work while the test moves the wall time.
 */
export class ShiftedClock implements Clock {
  offset = 0;
  frozen?: number;
  constructor(readonly timers: 'never' | 'real' = 'never') {}
  now = () => this.frozen ?? Date.now() + this.offset;
  monotonic = () => Number(process.hrtime.bigint() / 1_000_000n);
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    return this.timers === 'real' ? systemClock.setTimeout(fn, ms) : { cancel() {} };
  }
  /** move the wall time on (real time keeps running underneath) */
  advance(ms: number): void {
    this.offset += ms;
  }
}
