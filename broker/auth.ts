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

export type Authenticator = {
  check(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<AuthResult>;
  /** scrypt runs actually performed (cache misses) */
  verifications(): number;
};

/** province scale: verdicts shared between nodes through Redis, and bounded scrypt concurrency */
export type AuthScaling = { shared?: SharedVerdicts; admission?: Admission };

export function createAuthenticator(registry: Registry, cacheSize: number, scaling: AuthScaling = {}): Authenticator {
  const cache = new Map<string, Promise<boolean>>();
  let runs = 0;

  const verify = (id: string, stored: string, password: Buffer): Promise<boolean> => {
    // a 44-character key: id + stored hash would keep ~200 bytes per device that logged in
    const key = createHash('sha256')
      .update(id)
      .update('\0')
      .update(stored)
      .update('\0')
      .update(password)
      .digest('base64');
    const hit = cache.get(key);
    if (hit) return hit;
    const scrypt = () => {
      runs++;
      return verifyPassword(password.toString('utf8'), stored).catch(() => false);
    };
    const { shared, admission } = scaling;
    const pending = (async () => {
      if (shared && (await shared.known(id, stored, password))) return true;
      const ok = admission ? await admission.run(scrypt) : await scrypt();
      if (ok) shared?.remember(id, stored, password);
      return ok;
    })();
    if (cacheSize > 0) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string); // oldest first
      cache.set(key, pending);
      pending.catch(() => cache.get(key) === pending && cache.delete(key)); // "busy" is no verdict
    }
    return pending;
  };

  return {
    async check(clientId, username, password) {
      if (!username || !password || password.length === 0) return { ok: false, reason: 'auth-missing-credentials' };
      if (username !== clientId) return { ok: false, reason: 'auth-client-id-mismatch' };
      const found = lookup(registry, username);
      if (!found) return { ok: false, reason: 'auth-unknown-client' };
      let ok: boolean;
      try {
        ok = await verify(username, found.passwordHash, password);
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
