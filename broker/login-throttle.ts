import { createHash } from 'node:crypto';
import type { Clock } from '../infra/clock.ts';
import type { BrokerConfig } from './config.ts';

/**
 * Throttles password verifications that fail, per source address and per client id.
 *
 * Every wrong password costs an scrypt run (~50 ms of CPU): 55 a second saturate two cores. A login whose
 * (client id, password) was verified right before is let through at once (the authenticator's cache
 * answers it for free), so a device with its right password is never slowed by an attack on its id or
 * its address. Any other attempt is verified while both buckets hold a token; a wrong password spends one
 * of each, a right one spends nothing. An empty bucket means: refused without running scrypt, answered
 * CONNACK 4 after a delay (so a brute-forcer gains nothing by hammering), counted.
 *
 * What stays open: a device that has never logged in since the broker started (its right password is not
 * known yet) shares the fate of its address and id while they are under attack; it gets in once the
 * bucket refills. Memory is bounded: at most `maxEntries` buckets per kind, the oldest evicted.
 */
export type Admission = 'known-good' | 'verify' | 'refuse';

class Bucket {
  tokens: number;
  at: number;
  constructor(
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }
  refill(now: number, perMs: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * perMs);
    this.at = now;
  }
}

class Buckets {
  #map = new Map<string, Bucket>();
  #perMs: number;
  constructor(
    readonly cfg: { burst: number; perMinute: number },
    readonly maxEntries: number,
  ) {
    this.#perMs = cfg.perMinute / 60_000;
  }
  has(key: string, now: number): boolean {
    const b = this.#map.get(key);
    if (!b) return true;
    b.refill(now, this.#perMs);
    return b.tokens >= 1;
  }
  spend(key: string, now: number): void {
    let b = this.#map.get(key);
    if (!b) {
      if (this.#map.size >= this.maxEntries) this.#map.delete(this.#map.keys().next().value as string);
      this.#map.set(key, (b = new Bucket(this.cfg.burst, now)));
    }
    b.refill(now, this.#perMs);
    b.tokens = Math.max(0, b.tokens - 1);
  }
}

export class LoginThrottle {
  #byAddress: Buckets;
  #byId: Buckets;
  #knownGood = new Map<string, true>();
  #inFlight = new Map<string, number>();
  #waiting = new Map<string, (() => void)[]>();
  #waitingTotal = 0;
  #delayed = 0;

  constructor(
    readonly config: BrokerConfig['loginThrottle'],
    readonly clock: Clock,
    readonly maxEntries = 50_000,
  ) {
    this.#byAddress = new Buckets(config.perAddress, maxEntries);
    this.#byId = new Buckets(config.perClientId, maxEntries);
  }

  /**
   * May this login run a verification? Refused when the address's or the id's failures have emptied its
   * bucket. At most `perAddress.burst` verifications of one address run at once (so a thousand wrong
   * CONNECTs opened together cannot start a thousand scrypt runs before the first failure is counted);
   * the others wait their turn, a reconnect storm of right passwords behind one NAT included.
   */
  async admit(address: string, clientId: string, password: Buffer | undefined): Promise<Admission> {
    if (password && this.#knownGood.has(goodKey(clientId, password))) return 'known-good';
    for (;;) {
      const now = this.clock.monotonic();
      if (!this.#byAddress.has(address, now) || !this.#byId.has(clientId, now)) return 'refuse';
      const running = this.#inFlight.get(address) ?? 0;
      if (running < this.config.perAddress.burst) {
        this.#inFlight.set(address, running + 1);
        return 'verify';
      }
      if (this.#waitingTotal >= this.config.maxWaiting) return 'refuse';
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(address) ?? [];
        queue.push(resolve);
        this.#waiting.set(address, queue);
        this.#waitingTotal++;
      });
    }
  }

  /** the verification admitted by admit() is done: a wrong password spends a token of both buckets */
  settle(address: string, clientId: string, password: Buffer | undefined, right: boolean): void {
    const running = (this.#inFlight.get(address) ?? 1) - 1;
    if (running > 0) this.#inFlight.set(address, running);
    else this.#inFlight.delete(address);
    const now = this.clock.monotonic();
    if (right && password) {
      if (this.#knownGood.size >= this.maxEntries) this.#knownGood.delete(this.#knownGood.keys().next().value as string);
      this.#knownGood.set(goodKey(clientId, password), true);
    } else {
      this.#byAddress.spend(address, now);
      this.#byId.spend(clientId, now);
    }
    const queue = this.#waiting.get(address);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.#waiting.delete(address);
    if (next) {
      this.#waitingTotal--;
      next();
    }
  }

  /** answer a refused login after the configured delay (at once when too many already wait) */
  delay(answer: () => void): void {
    if (this.#delayed >= this.config.maxDelayed || this.config.refusalDelayMs === 0) return answer();
    this.#delayed++;
    this.clock.setTimeout(() => {
      this.#delayed--;
      answer();
    }, this.config.refusalDelayMs);
  }
}

function goodKey(clientId: string, password: Buffer): string {
  return `${clientId}\n${createHash('sha256').update(password).digest('base64')}`;
}
