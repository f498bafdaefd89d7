import { createHash } from 'node:crypto';
import { verifyPassword } from '../devices/credentials.ts';
import type { Registry } from '../devices/registry/index.ts';
import type { Identity } from './acl.ts';
import type { RefusalReason } from './refusals.ts';
import { BusyError, type Admission } from './admission.ts';
import type { SharedVerdicts } from './shared-auth-cache.ts';

/**
 * Who is this CONNECT? The username must equal the client id (so topic rights follow the id
 * the broker registers), and the password must match the registry's scrypt hash.
 *
 * Verifications are cached, keyed by sha256(id, stored hash, password): a commune's boxes all
 * reconnect together after a power or 4G cut, and scrypt costs ~50 ms of CPU each. The registry
 * is immutable for the broker's life, so a cached answer (right or wrong) stays true. Concurrent
 * checks of the same key share one scrypt run. The password itself is never stored or logged.
 */
export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: RefusalReason };

/** what the caches alone know of a login (recall): its identity if the exact password was verified before */
export type Recalled = { identity?: Identity; askedShared: boolean };

export type Authenticator = {
  /** the full check; `askedShared`: recall() already asked the shared cache (a miss), not asked again */
  check(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    askedShared?: boolean,
  ): Promise<AuthResult>;
  /**
   * The shared cache alone, no scrypt: a login whose exact password some node verified before. It needs no
   * verification slot of the login throttle (those bound scrypt runs that may fail), so a storm of devices that
   * share one address (a carrier's NAT, the balancer) is answered as fast as Redis answers, not 30 at a time.
   * Nothing is known when this node has its own verdict for the login (the full check answers it at no cost).
   */
  recall(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<Recalled>;
  /** scrypt runs actually performed (cache misses) */
  verifications(): number;
};

/** province scale: verdicts shared between nodes through Redis, and bounded scrypt concurrency */
export type AuthScaling = { shared?: SharedVerdicts; admission?: Admission };

export function createAuthenticator(registry: Registry, cacheSize: number, scaling: AuthScaling = {}): Authenticator {
  const cache = new Map<string, Promise<boolean>>();
  let runs = 0;

  // a 44-character key: id + stored hash would keep ~200 bytes per device that logged in
  const keyOf = (id: string, stored: string, password: Buffer) =>
    createHash('sha256').update(id).update('\0').update(stored).update('\0').update(password).digest('base64');
  const keep = (key: string, pending: Promise<boolean>) => {
    if (cacheSize <= 0) return;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string); // oldest first
    cache.set(key, pending);
  };

  const verify = (id: string, stored: string, password: Buffer, askedShared: boolean): Promise<boolean> => {
    const key = keyOf(id, stored, password);
    const hit = cache.get(key);
    if (hit) return hit;
    const scrypt = () => {
      runs++;
      return verifyPassword(password.toString('utf8'), stored).catch(() => false);
    };
    const { shared, admission } = scaling;
    const pending = (async () => {
      if (shared && !askedShared && (await shared.known(id, stored, password))) return true;
      const ok = admission ? await admission.run(scrypt) : await scrypt();
      if (ok) shared?.remember(id, stored, password);
      return ok;
    })();
    keep(key, pending);
    pending.catch(() => cache.get(key) === pending && cache.delete(key)); // "busy" is no verdict
    return pending;
  };

  return {
    async recall(clientId, username, password) {
      const { shared } = scaling;
      if (!shared || !username || !password || password.length === 0 || username !== clientId)
        return { askedShared: false };
      const found = lookup(registry, username);
      if (!found) return { askedShared: false };
      const key = keyOf(username, found.passwordHash, password);
      if (cache.has(key)) return { askedShared: false };
      if (!(await shared.known(username, found.passwordHash, password))) return { askedShared: true };
      keep(key, Promise.resolve(true));
      return { identity: found.identity, askedShared: true };
    },
    async check(clientId, username, password, askedShared = false) {
      if (!username || !password || password.length === 0) return { ok: false, reason: 'auth-missing-credentials' };
      if (username !== clientId) return { ok: false, reason: 'auth-client-id-mismatch' };
      const found = lookup(registry, username);
      if (!found) return { ok: false, reason: 'auth-unknown-client' };
      let ok: boolean;
      try {
        ok = await verify(username, found.passwordHash, password, askedShared);
      } catch (err) {
        if (err instanceof BusyError) return { ok: false, reason: 'auth-busy' };
        throw err;
      }
      if (!ok) return { ok: false, reason: 'auth-bad-password' };
      return { ok: true, identity: found.identity };
    },
    verifications: () => runs,
  };
}

function lookup(registry: Registry, id: string): { identity: Identity; passwordHash: string } | undefined {
  const entry = registry.device(id);
  if (entry) {
    return {
      passwordHash: entry.device.passwordHash,
      identity: { type: 'device', id, kind: entry.device.kind, commune: entry.commune.code },
    };
  }
  const service = registry.services.get(id);
  if (service) {
    const communes = service.communes ? new Set(service.communes) : undefined;
    return {
      passwordHash: service.passwordHash,
      identity: { type: 'service', id, role: service.role, ...(communes ? { communes } : {}) },
    };
  }
  return undefined;
}
