import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { answerWithin, NO_ANSWER, ReplyWatch } from './answer-deadline.ts';
import type { SharedAuthCacheConfig } from './cluster-config.ts';
import { BrokerError } from './errors.ts';
import { closeRedis, redisOptions } from './persistence.ts';

/**
 * Logins verified by any node, remembered in Redis so that a node that just restarted into a
 * province-wide reconnect storm does not run scrypt (~50 ms CPU) once per device.
 *
 * What is stored: only successes, under HMAC-SHA256(server secret, id ‖ stored hash ‖ password),
 * with a TTL. Authentication is not weakened: a hit still needs the exact password (the key is a
 * function of it); someone who reads Redis learns neither passwords nor anything to test guesses
 * against without the secret, which lives in a file on the broker nodes only; binding the stored
 * hash means a rotated credential never matches an old entry. Failures are never shared (a wrong
 * password always costs a real verification on the node, where the login throttle applies).
 * Redis down, or silent for `answerTimeoutMs`: the answer is "not known" and the node verifies itself. The wait is
 * measured on Redis's own answers (answer-deadline.ts), so a node busy with a storm does not give up on replies
 * that have already arrived; lookups are auto-pipelined (a storm's thousands of EXISTS go out in a few writes).
 * A lookup made while the connection is still opening (a node that just started, Redis reconnecting) waits for it
 * within the same deadline: without the offline queue ioredis would refuse it at once, and the storm that follows a
 * restart would run scrypt for every device that logged in before the connection was up.
 */
export type SharedVerdicts = {
  known(id: string, stored: string, password: Buffer): Promise<boolean>;
  remember(id: string, stored: string, password: Buffer): void;
  readonly counters: { hits: number; misses: number; errors: number; timeouts: number };
  /** resolves once the Redis connection is up (lookups made before wait for it within their deadline) */
  ready(): Promise<void>;
  /** whether the connection is up now */
  isReady(): boolean;
  close(): Promise<void>;
};

const PREFIX = 'tt:auth:';

export function readSecret(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new BrokerError('BROKER_CONFIG_INVALID', 'không đọc được tệp khóa bí mật của bộ nhớ đệm xác thực', [
      `sharedAuthCache.secretFile: ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  const secret = /^[0-9a-f]+$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (secret.length < 32)
    throw new BrokerError('BROKER_CONFIG_INVALID', 'khóa bí mật quá ngắn', [
      `sharedAuthCache.secretFile: ${path}: cần ít nhất 32 byte ngẫu nhiên (at least 32 random bytes)`,
    ]);
  return secret;
}

export function createSharedVerdicts(config: SharedAuthCacheConfig, secret: Buffer): SharedVerdicts {
  const redis = new Redis({
    ...redisOptions(config.url),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  });
  redis.on('error', () => undefined); // counted on each failed command; the node verifies itself
  const counters = { hits: 0, misses: 0, errors: 0, timeouts: 0 };
  const watch = new ReplyWatch();
  const deadline = { timeoutMs: config.answerTimeoutMs, capMs: config.maxWaitMs, watch };
  const key = (id: string, stored: string, password: Buffer) =>
    PREFIX +
    createHmac('sha256', secret)
      .update(id)
      .update('\0')
      .update(stored)
      .update('\0')
      .update(password)
      .digest('base64url');
  // one promise for every lookup waiting on the connection (not a 'ready' listener each: a storm has thousands)
  let opening: Promise<void> | undefined;
  const connected = (): Promise<void> =>
    redis.status === 'ready'
      ? Promise.resolve()
      : (opening ??= new Promise<void>((resolve) =>
          redis.once('ready', () => {
            opening = undefined;
            resolve();
          }),
        ));
  return {
    counters,
    async known(id, stored, password) {
      const k = key(id, stored, password);
      const lookup = { givenUp: false };
      // an abandoned lookup is not sent once connected (and its made-up refusal is no answer from Redis)
      const reply =
        redis.status === 'ready'
          ? redis.exists(k)
          : connected().then(() => (lookup.givenUp ? Promise.reject(new Error('given up')) : redis.exists(k)));
      try {
        const answer = await answerWithin(watch.track(reply), deadline);
        if (answer === NO_ANSWER) {
          counters.timeouts++;
          return false;
        }
        const hit = answer === 1;
        if (hit) counters.hits++;
        else counters.misses++;
        return hit;
      } catch {
        counters.errors++;
        return false;
      } finally {
        lookup.givenUp = true;
      }
    },
    remember(id, stored, password) {
      watch.track(redis.set(key(id, stored, password), '1', 'EX', config.ttlS)).catch(() => counters.errors++);
    },
    ready: connected,
    isReady: () => redis.status === 'ready',
    close: () => closeRedis(redis),
  };
}
