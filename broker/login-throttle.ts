import { createHash } from 'node:crypto';
import type { Clock } from '../infra/clock.ts';
import type { BrokerConfig } from './config.ts';

/**
 * Throttles password verifications that fail, per source address and per client id.
 *
 * Every wrong password costs an scrypt run (~50 ms of CPU): 55 a second saturate two cores. A login whose
 * (client id, password) was verified right before is let through at once (the authenticator's cache
 * answers it for free), so a device with its right password is never slowed by an attack on its id or
 * its address; the same holds for a login the shared verification cache knows (verified on any node:
 * broker/auth.ts recall), which is asked before this throttle, so a province's storm from one address
 * (a carrier's NAT, the balancer) is not held to this address's verification slots. Any other attempt is verified while both buckets hold a token; a wrong password spends one
 * of each, a right one spends nothing. An empty bucket means: refused without running scrypt, answered
 * CONNACK 4 after a delay (so a brute-forcer gains nothing by hammering), counted.
 *
 * What stays open: a device that has never logged in since the broker started (its right password is not
 * known yet, here or in the shared cache) shares the fate of its address and id while they are under attack; it gets in once the
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
  tokens(key: string, now: number): number {
    const b = this.#map.get(key);
    if (!b) return this.cfg.burst;
    b.refill(now, this.#perMs);
    return b.tokens;
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
   * bucket. No more verifications of one address run at once than its bucket holds tokens (so a thousand
   * wrong CONNECTs opened together cannot start a thousand scrypt runs before the first failure is
   * counted); the others wait their turn, a reconnect storm of right passwords behind one NAT included.
   */
  async admit(address: string, clientId: string, password: Buffer | undefined): Promise<Admission> {
    if (password && this.#knownGood.has(goodKey(clientId, password))) return 'known-good';
    for (;;) {
      const now = this.clock.monotonic();
      const tokens = this.#byAddress.tokens(address, now);
      if (tokens < 1 || this.#byId.tokens(clientId, now) < 1) return 'refuse';
      const running = this.#inFlight.get(address) ?? 0;
      // each running verification may still fail and spend a token: never run more than the tokens left
      if (running < Math.min(this.config.perAddress.burst, Math.floor(tokens))) {
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
      this.knownGood(clientId, password);
    } else {
      this.#byAddress.spend(address, now);
      this.#byId.spend(clientId, now);
    }
    // waiters look again: as many as may now run, or all of them once the bucket is empty (to be refused, none stuck)
    const queue = this.#waiting.get(address);
    if (!queue) return;
    const tokens = this.#byAddress.tokens(address, now);
    const free = tokens < 1 ? queue.length : Math.min(this.config.perAddress.burst, Math.floor(tokens)) - running;
    const woken = queue.splice(0, Math.max(0, free));
    if (queue.length === 0) this.#waiting.delete(address);
    this.#waitingTotal -= woken.length;
    for (const wake of woken) wake();
  }

  /** this client id's password was verified right (here, or by the shared cache): its next login is let through */
  knownGood(clientId: string, password: Buffer): void {
    if (this.#knownGood.size >= this.maxEntries) this.#knownGood.delete(this.#knownGood.keys().next().value as string);
    this.#knownGood.set(goodKey(clientId, password), true);
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
