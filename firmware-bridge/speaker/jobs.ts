/**
 * The unit's background work (logs on their way to the outbox, files on their way to the card, a time line
 * rebuilt in the next turn), tracked so that stopping the unit waits for it.
 */
export class Jobs {
  readonly #pending = new Set<Promise<void>>();

  /** every job handles its own failure (it is counted where it happens) */
  track(job: Promise<void>): void {
    this.#pending.add(job);
    void job.finally(() => this.#pending.delete(job));
  }

  /**
   * `work` in the next turn of the event loop: whatever came in the same read (a stop, or a province's order
   * reaching the other units of one process) is acted on first.
   */
  later(work: () => void, onError: (err: unknown) => void): void {
    this.track(
      nextTurn().then(() => {
        try {
          work();
        } catch (err) {
          onError(err);
        }
      }),
    );
  }

  settled(): Promise<unknown> {
    return Promise.allSettled([...this.#pending]);
  }
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
