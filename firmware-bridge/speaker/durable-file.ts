import { writeFileAtomic } from './atomic-file.ts';

type Waiter = { resolve: () => void; reject: (err: unknown) => void };

/**
 * One file the unit keeps on its SD card and rewrites as its state changes (the ledger, an accepted schedule,
 * an area order). The unit acts first and writes after: the write waits for the next turn of the event loop,
 * so whatever else came in the same read (a stop, or the same province order reaching the other units of one
 * process) is acted on before the card is touched. Writes are coalesced: the changes of one turn cost one
 * write, and the file never goes back to an older text. Each `write` resolves once its text (or a newer one)
 * is on disk, and rejects if that write failed: the caller counts it (the unit keeps running from memory).
 */
export class DurableFile {
  #next: { data: string | Buffer; waiters: Waiter[] } | null = null;
  #due: Promise<void> | null = null;

  constructor(readonly path: string) {}

  write(data: string | Buffer): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      if (this.#next) {
        this.#next.data = data;
        this.#next.waiters.push({ resolve, reject });
      } else this.#next = { data, waiters: [{ resolve, reject }] };
    });
    this.#due ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#due = null;
        this.#flush();
        resolve();
      }),
    );
    return done;
  }

  /** resolves when nothing is waiting to be written (whatever the outcome of the writes) */
  async flushed(): Promise<void> {
    while (this.#due) await this.#due;
  }

  #flush(): void {
    const job = this.#next;
    this.#next = null;
    if (!job) return;
    try {
      writeFileAtomic(this.path, job.data);
    } catch (err) {
      for (const w of job.waiters) w.reject(err);
      return;
    }
    for (const w of job.waiters) w.resolve();
  }
}
