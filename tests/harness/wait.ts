/** What a condition returns once it holds. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Poll `fn` until it returns something truthy (never a fixed sleep: the machine may be loaded). An error thrown
 * by `fn` counts as "not yet"; the last one is reported if the deadline passes.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
