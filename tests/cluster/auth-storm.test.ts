import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission, BusyError } from '../../broker/admission.ts';
import { createAuthenticator } from '../../broker/auth.ts';
import { parseBrokerConfig } from '../../broker/config.ts';
import { Province, waitFor } from './helpers.ts';

/** The reconnect storm: a freshly restarted node answers verified logins from Redis, never from a weaker check. */
const p = new Province();
beforeAll(() => p.start({ communes: 2 }), 60_000);
afterAll(() => p.stop());

const shared = () => ({ sharedAuthCache: { url: p.redis.url, secretFile: '(test)' } });

describe('shared verification cache and admission control', () => {
  it('a freshly restarted node runs no scrypt for devices another node verified; a wrong password is still refused', async () => {
    const ids = [...p.registry.devices.keys()].slice(0, 12);
    const first = await p.node(shared());
    for (const id of ids) await (await p.connect(id, first.port)).endAsync();
    expect(first.stats().passwordVerifications).toBe(ids.length);
    await first.close();

    const fresh = await p.node(shared());
    const online = await Promise.all(ids.map((id) => p.connect(id, fresh.port)));
    expect(online.every((c) => c.connected)).toBe(true);
    expect(fresh.stats().passwordVerifications).toBe(0);
    expect(fresh.cluster().sharedAuth).toMatchObject({ hits: ids.length, errors: 0 });

    // the cache is keyed by the password itself: a wrong one is a miss, verified and refused
    await expect(
      p.connect(ids[0], fresh.port, { password: 'not-the-password', clientId: ids[0] }),
    ).rejects.toMatchObject({ code: 4 });
    expect(fresh.stats().refusals['auth-bad-password']).toBe(1);
    expect(fresh.stats().passwordVerifications).toBe(1);
    await Promise.all(online.map((c) => c.endAsync(true)));
  });

  it("logins the shared cache knows need no verification slot of their address's throttle; a wrong password still does", async () => {
    const ids = [...p.registry.devices.keys()].slice(0, 8);
    const first = await p.node(shared());
    for (const id of ids) await (await p.connect(id, first.port)).endAsync();
    await first.close();

    // one verification at a time per address and none waiting: all but one of these simultaneous logins from
    // 127.0.0.1 would be refused "throttled" if each took a slot
    const tight = { loginThrottle: { perAddress: { burst: 1, perMinute: 1 }, maxWaiting: 0 } };
    const fresh = await p.node({ ...shared(), ...tight });
    const online = await Promise.all(ids.map((id) => p.connect(id, fresh.port)));
    expect(online.every((c) => c.connected)).toBe(true);
    expect(fresh.stats().refusals['auth-throttled'] ?? 0).toBe(0);
    expect(fresh.cluster().sharedAuth).toMatchObject({ hits: ids.length, misses: 0 });
    expect(fresh.stats().passwordVerifications).toBe(0);
    await Promise.all(online.map((c) => c.endAsync(true)));

    // a wrong password is not known to the cache: verified by scrypt (asked once), refused, and it spends the
    // address's only token, so the next unknown login from there is refused without a verification
    await expect(p.connect(ids[0]!, fresh.port, { password: 'wrong', clientId: ids[0] })).rejects.toMatchObject({
      code: 4,
    });
    expect(fresh.stats().refusals['auth-bad-password']).toBe(1);
    expect(fresh.stats().passwordVerifications).toBe(1);
    expect(fresh.cluster().sharedAuth).toMatchObject({ hits: ids.length, misses: 1 });
    await expect(p.connect(ids[1]!, fresh.port, { password: 'wrong', clientId: ids[1] })).rejects.toMatchObject({
      code: 4,
    });
    expect(fresh.stats().refusals['auth-throttled']).toBe(1);
    expect(fresh.stats().passwordVerifications).toBe(1);
    // while the address is throttled, a device the cache knows still gets in (as one verified on this node would)
    const known = await p.connect(ids[2]!, fresh.port);
    expect(known.connected).toBe(true);
    await known.endAsync(true);
  });

  it('Redis holds neither passwords nor ids, only HMACs under the server secret; another secret matches nothing', async () => {
    const redis = new Redis(p.redis.url);
    const keys = await redis.keys('tt:auth:*');
    await redis.quit();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatch(/^tt:auth:[A-Za-z0-9_-]{43}$/);
      for (const [id, pw] of Object.entries(p.secrets)) {
        expect(k).not.toContain(pw);
        expect(k).not.toContain(id);
      }
    }
    const { startBroker } = await import('../../broker/index.ts');
    const { silentLogger } = await import('../../infra/logger.ts');
    const other = await startBroker({
      config: parseBrokerConfig(p.nodeConfig(shared())),
      registry: p.registry,
      log: silentLogger,
      authCacheSecret: randomBytes(32),
    });
    try {
      const id = [...p.registry.devices.keys()][0];
      await (await p.connect(id, other.port)).endAsync();
      expect(other.stats().passwordVerifications).toBe(1);
      expect(other.cluster().sharedAuth?.hits).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('Redis unreachable: the node verifies by itself and still admits the right password only', async () => {
    const node = await p.node({
      sharedAuthCache: { url: 'redis://127.0.0.1:1/0', secretFile: '(test)', startWaitMs: 100 },
    });
    const id = [...p.registry.devices.keys()][1];
    const c = await p.connect(id, node.port);
    expect(c.connected).toBe(true);
    await waitFor(() => (node.cluster().sharedAuth?.errors ?? 0) >= 1, 5000);
    expect(node.stats().passwordVerifications).toBe(1);
    await c.endAsync(true);
  });

  it('admission control: beyond the running and waiting verifications a login is answered "busy", counted, never a verdict', async () => {
    const admission = new Admission(1, 1);
    const auth = createAuthenticator(p.registry, 100, { admission });
    const [a, b, c] = [...p.registry.devices.keys()];
    const pw = (id: string) => Buffer.from(p.secrets[id]);
    const results = await Promise.all([auth.check(a, a, pw(a)), auth.check(b, b, pw(b)), auth.check(c, c, pw(c))]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'auth-busy']);
    expect(admission.refused).toBe(1);
    // "busy" was not cached: the same device gets in once there is room
    expect((await auth.check(c, c, pw(c))).ok).toBe(true);
    await expect(new Admission(1, 0).run(() => Promise.resolve(1))).resolves.toBe(1);
    const tight = new Admission(1, 0);
    const slow = tight.run(() => new Promise((r) => setTimeout(r, 50)));
    await expect(tight.run(() => Promise.resolve(2))).rejects.toBeInstanceOf(BusyError);
    await slow;
  });

  it('the documented province node config is valid', () => {
    const raw = parse(readFileSync('deploy/province/broker-node.yaml', 'utf8'));
    const c = parseBrokerConfig(raw);
    expect(c.persistence.kind).toBe('redis');
    expect(c.emitter).toBeUndefined(); // = the persistence's Redis
    expect(c.sharedAuthCache?.ttlS).toBe(604800);
    expect(c.proxyProtocol?.trusted).toEqual(['10.0.0.10']);
  });
});
