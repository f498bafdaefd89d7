import type { Clock } from '../../infra/clock.ts';

/** A wait on the injected clock that can be cut short; resolves true when it reached its target. */
export type Wait = { done: Promise<boolean>; cancel(): void };

/** Sleep until the wall clock reaches `target`, re-reading wall time on each wake (timers are monotonic). */
export function waitUntil(clock: Clock, target: number): Wait {
  let timer: { cancel(): void } | null = null;
  let finish!: (reached: boolean) => void;
  const done = new Promise<boolean>((resolve) => (finish = resolve));
  const step = () => {
    const left = target - clock.now();
    if (left <= 0) return finish(true);
    timer = clock.setTimeout(step, left);
  };
  step();
  return {
    done,
    cancel: () => {
      timer?.cancel();
      finish(false);
    },
  };
}
