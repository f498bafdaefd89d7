import { createHash } from 'node:crypto';
import { verifyPassword } from '../devices/credentials.ts';
import type { Registry } from '../devices/registry/index.ts';
import type { Identity } from './acl.ts';
import type { RefusalReason } from './refusals.ts';

/**
 * Who is this CONNECT? The username must equal the client id (so topic rights follow the id
 * the broker registers), and the password must match the registry's scrypt hash.
 *
 * Verifications are cached, keyed by (id, stored hash, sha256(password)): a commune's boxes all
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

export function createAuthenticator(registry: Registry, cacheSize: number): Authenticator {
  const cache = new Map<string, Promise<boolean>>();
  let runs = 0;

  const verify = (id: string, stored: string, password: Buffer): Promise<boolean> => {
    const key = `${id}\n${stored}\n${createHash('sha256').update(password).digest('base64')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    runs++;
    const pending = verifyPassword(password.toString('utf8'), stored).catch(() => false);
    if (cacheSize > 0) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string); // oldest first
      cache.set(key, pending);
    }
    return pending;
  };

  return {
    async check(clientId, username, password) {
      if (!username || !password || password.length === 0) return { ok: false, reason: 'auth-missing-credentials' };
      if (username !== clientId) return { ok: false, reason: 'auth-client-id-mismatch' };
      const found = lookup(registry, username);
      if (!found) return { ok: false, reason: 'auth-unknown-client' };
      if (!(await verify(username, found.passwordHash, password))) return { ok: false, reason: 'auth-bad-password' };
      return { ok: true, identity: found.identity };
    },
    verifications: () => runs,
  };
}

function lookup(registry: Registry, id: string): { identity: Identity; passwordHash: string } | undefined {
  const entry = registry.device(id);
  if (entry) {
    return { passwordHash: entry.device.passwordHash, identity: { type: 'device', id, kind: entry.device.kind, commune: entry.commune.code } };
  }
  const service = registry.services.get(id);
  if (service) {
    const communes = service.communes ? new Set(service.communes) : undefined;
    return { passwordHash: service.passwordHash, identity: { type: 'service', id, role: service.role, ...(communes ? { communes } : {}) } };
  }
  return undefined;
}
