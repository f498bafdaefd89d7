/**
 * A deadline on Redis's own answer time, not on the node's event loop.
 *
 * A plain command timeout (ioredis' commandTimeout) is a timer, and after the loop was blocked (a reconnect storm:
 * thousands of CONNECTs parsed, hashed and answered in a row) expired timers run before the I/O that arrived
 * meanwhile is read: the reply is already in the socket, yet the lookup is given up and the login sent on to
 * scrypt, which costs far more than the wait. Measured: a storm of 10,000 at load 10–19 turned into 572 retries and
 * 67 s. So the lookup is given up only when Redis itself has been silent for `timeoutMs`:
 * - the check runs after pending I/O (setImmediate from the timer), so a reply already received wins;
 * - a timer that fired late by more than half its period means the node was busy, not Redis: waited again;
 * - while any reply of the same connection arrived within `timeoutMs`, Redis is answering (it answers in order,
 *   so this one is coming): waited again;
 * - never longer than `capMs` in all.
 */
export const NO_ANSWER = Symbol('no-answer');

export type AnswerClock = { now(): number };

/** when the connection last answered anything (every reply, a result or an error from Redis) */
export class ReplyWatch {
  lastReplyAt = Number.NEGATIVE_INFINITY;
  constructor(readonly clock: AnswerClock = performance) {}
  /** wrap a command's promise so its reply counts as the connection answering */
  track<T>(reply: Promise<T>): Promise<T> {
    return reply.then(
      (v) => {
        this.lastReplyAt = this.clock.now();
        return v;
      },
      (err: unknown) => {
        // an error Redis sent is an answer; one the client made up (connection closed, not writable) is not
        if ((err as Error | undefined)?.name === 'ReplyError') this.lastReplyAt = this.clock.now();
        throw err;
      },
    );
  }
}

export function answerWithin<T>(
  reply: Promise<T>,
  opts: { timeoutMs: number; capMs: number; watch: ReplyWatch },
): Promise<T | typeof NO_ANSWER> {
  const { timeoutMs, capMs, watch } = opts;
  const clock = watch.clock;
  const started = clock.now();
  return new Promise((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    reply.then(
      (v) => {
        done = true;
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        done = true;
        clearTimeout(timer);
        reject(err);
      },
    );
    const arm = () => {
      const due = clock.now() + timeoutMs;
      timer = setTimeout(() => {
        const late = clock.now() - due;
        setImmediate(() => {
          if (done) return;
          const now = clock.now();
          const silentFor = now - Math.max(watch.lastReplyAt, started);
          if (now - started >= capMs) return resolve(NO_ANSWER);
          if (late > timeoutMs / 2 || silentFor < timeoutMs) return arm();
          resolve(NO_ANSWER);
        });
      }, timeoutMs);
    };
    arm();
  });
}
