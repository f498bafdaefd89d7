import { createHash } from 'node:crypto';
import type { Clock } from '../infra/clock.ts';
import type { BrokerConfig } from './config.ts';

/**
 * Throttles password verifications that fail, per source address and per client id.
 *
 * Every wrong password costs an scrypt run (~50 ms of CPU): 55 a second saturate two cores. A login whose
 * (client id, password) was verified right before is let through at once (the authenticator's cache
 * answers it for free), so a device with its right password is never slowed by an attack on its id or
 * its address. Any other attempt reserves a token from both buckets before scrypt runs and gets it back
 * if the password is right; a wrong one keeps it spent. An empty bucket means: refused without running
 * scrypt, answered CONNACK 4 after a delay (so a brute-forcer gains nothing by hammering), counted.
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
  take(key: string, now: number): boolean {
    let b = this.#map.get(key);
    if (!b) {
      if (this.#map.size >= this.maxEntries) this.#map.delete(this.#map.keys().next().value as string);
      this.#map.set(key, (b = new Bucket(this.cfg.burst, now)));
    }
    b.refill(now, this.#perMs);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  give(key: string): void {
    const b = this.#map.get(key);
    if (b) b.tokens = Math.min(b.burst, b.tokens + 1);
  }
}

export class LoginThrottle {
  #byAddress: Buckets;
  #byId: Buckets;
  #knownGood = new Map<string, true>();
  #delayed = 0;

  constructor(
    readonly config: BrokerConfig['loginThrottle'],
    readonly clock: Clock,
    readonly maxEntries = 50_000,
  ) {
    this.#byAddress = new Buckets(config.perAddress, maxEntries);
    this.#byId = new Buckets(config.perClientId, maxEntries);
  }

  admit(address: string, clientId: string, password: Buffer | undefined): Admission {
    if (password && this.#knownGood.has(goodKey(clientId, password))) return 'known-good';
    const now = this.clock.monotonic();
    if (!this.#byAddress.take(address, now)) return 'refuse';
    if (!this.#byId.take(clientId, now)) {
      this.#byAddress.give(address);
      return 'refuse';
    }
    return 'verify';
  }

  /** a verified right password: give the tokens back and let it through from now on */
  succeeded(address: string, clientId: string, password: Buffer): void {
    this.#byAddress.give(address);
    this.#byId.give(clientId);
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
