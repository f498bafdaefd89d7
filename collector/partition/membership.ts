import { Redis } from 'ioredis';
import type { Clock } from '../../infra/clock.ts';

/**
 * Which collectors are alive, held in Redis: a sorted set of member ids scored by lease expiry.
 * Each member renews its lease every leaseMs/3; a member that stops renewing (killed, cut off) is
 * dropped once its lease is over, so its communes move within leaseMs + leaseMs/3.
 */
const KEY = 'tt:collectors:members';

export class Membership {
  readonly #redis: Redis;
  #timer?: { cancel(): void };
  #stopped = false;
  #members: string[] = [];

  constructor(
    readonly self: string,
    url: string,
    readonly leaseMs: number,
    readonly clock: Clock,
    readonly onChange: (members: string[]) => void,
    readonly onError: (err: Error) => void,
  ) {
    const u = new URL(url);
    this.#redis = new Redis({
      host: u.hostname,
      port: Number(u.port || 6379),
      db: Number(u.pathname.slice(1) || 0),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      maxRetriesPerRequest: 2,
    });
    this.#redis.on('error', (err) => onError(err));
  }

  get members(): string[] {
    return this.#members;
  }

  /** renew now and keep renewing; resolves after the first round */
  async start(): Promise<void> {
    await this.#round();
  }

  async #round(): Promise<void> {
    if (this.#stopped) return;
    try {
      const now = this.clock.now();
      const reply = await this.#redis
        .multi()
        .zadd(KEY, now + this.leaseMs, this.self)
        .zremrangebyscore(KEY, '-inf', now)
        .zrange(KEY, 0, -1)
        .exec();
      const live = ((reply?.[2]?.[1] as string[]) ?? []).slice().sort();
      if (live.join('\n') !== this.#members.join('\n')) {
        this.#members = live;
        this.onChange(live);
      }
    } catch (err) {
      this.onError(err as Error); // keep the last known split: a Redis blip must not drop communes
    }
    if (!this.#stopped)
      this.#timer = this.clock.setTimeout(() => void this.#round(), Math.max(50, Math.floor(this.leaseMs / 3)));
  }

  /** leave at once (a graceful stop hands the communes over without waiting for the lease) */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#redis.zrem(KEY, this.self).catch(() => undefined);
    this.#redis.disconnect();
  }
}
