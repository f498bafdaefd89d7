import { BrokerError } from './errors.ts';

/**
 * Admission control for password verifications: at most `concurrent` scrypt runs at once (the
 * event loop and libuv's thread pool stay free for the clients already connected), at most
 * `waiting` more queued, and never so many that the last would wait longer than `maxWaitMs`
 * (the queue's length times the verifications' measured average run time, shared by the
 * `concurrent` slots). Past that a CONNECT is answered "server unavailable" at once, which costs
 * nothing, and the device retries with its backoff instead of timing out in a long queue: a
 * device that gave up waiting still holds its place, and the scrypt run it waited for is wasted.
 */
export class BusyError extends BrokerError {
  constructor(detail?: string) {
    super('BROKER_BUSY', detail);
  }
}

export class Admission {
  #running = 0;
  readonly #queue: (() => void)[] = [];
  /** moving average of a verification's run time, ms (undefined until the first one finished) */
  #averageMs: number | undefined;
  refused = 0;

  constructor(
    readonly concurrent: number,
    readonly waiting: number,
    readonly maxWaitMs = Number.POSITIVE_INFINITY,
    readonly now: () => number = () => performance.now(),
  ) {}

  get queued(): number {
    return this.#queue.length;
  }

  /** how long a login queued now would wait, by the verifications measured so far */
  get expectedWaitMs(): number {
    return ((this.#queue.length + 1) * (this.#averageMs ?? 0)) / this.concurrent;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrent) {
      if (this.#queue.length >= this.waiting) return this.#refuse('too many logins waiting for verification');
      if (this.expectedWaitMs > this.maxWaitMs)
        return this.#refuse(`a verification would wait about ${Math.round(this.expectedWaitMs)} ms`);
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    const started = this.now();
    try {
      return await work();
    } finally {
      const ms = this.now() - started;
      this.#averageMs = this.#averageMs === undefined ? ms : this.#averageMs * 0.8 + ms * 0.2;
      const next = this.#queue.shift();
      if (next)
        next(); // the slot passes on: #running unchanged
      else this.#running--;
    }
  }

  #refuse(detail: string): never {
    this.refused++;
    throw new BusyError(detail);
  }
}
