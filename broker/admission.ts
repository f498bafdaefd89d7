import { BrokerError } from './errors.ts';

/**
 * Admission control for password verifications: at most `concurrent` scrypt runs at once (the
 * event loop and libuv's thread pool stay free for the clients already connected), at most
 * `waiting` more queued; past that a CONNECT is answered "server unavailable" at once, which
 * costs nothing, and the device retries with its backoff instead of timing out in a long queue.
 */
export class BusyError extends BrokerError {
  constructor(detail?: string) {
    super('BROKER_BUSY', detail);
  }
}

export class Admission {
  #running = 0;
  readonly #queue: (() => void)[] = [];
  refused = 0;

  constructor(
    readonly concurrent: number,
    readonly waiting: number,
  ) {}

  get queued(): number {
    return this.#queue.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrent) {
      if (this.#queue.length >= this.waiting) {
        this.refused++;
        throw new BusyError('too many logins waiting for verification');
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      const next = this.#queue.shift();
      if (next)
        next(); // the slot passes on: #running unchanged
      else this.#running--;
    }
  }
}
