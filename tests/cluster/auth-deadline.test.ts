import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission, BusyError } from '../../broker/admission.ts';
import { SharedAuthCacheConfig } from '../../broker/cluster-config.ts';
import { createSharedVerdicts } from '../../broker/shared-auth-cache.ts';
import { LocalRedis } from '../../infra/redis-server.ts';
import { Province } from './helpers.ts';

/**
 * The reconnect storm's margin: the shared cache gives a lookup up only when Redis itself is silent, not when the
 * node's own event loop was too busy to read the reply; admission refuses logins that would wait too long.
 */
const p = new Province();
const dir = mkdtempSync(join(tmpdir(), 'tt-auth-deadline-'));
/** a Redis of its own for the cache, so it can be frozen (SIGSTOP) without freezing the sessions' store */
const cacheRedis = new LocalRedis(join(dir, 'redis'));
beforeAll(async () => {
  await p.start({ communes: 1 });
  await cacheRedis.start();
}, 60_000);
afterAll(async () => {
  if (cacheRedis.pid) process.kill(cacheRedis.pid, 'SIGCONT');
  await p.stop();
  await cacheRedis.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (over: Partial<SharedAuthCacheConfig> = {}) =>
  SharedAuthCacheConfig.parse({ url: cacheRedis.url, secretFile: '(test)', answerTimeoutMs: 200, ...over });

/** the event loop held, as thousands of CONNECTs in a row hold it */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

/** Redis frozen (the process stopped, its connections open) until the returned function is called */
const freeze = () => {
  process.kill(cacheRedis.pid!, 'SIGSTOP');
  return () => process.kill(cacheRedis.pid!, 'SIGCONT');
};

describe('shared verification cache: a deadline on Redis, not on the node', () => {
  it('a node busier than the answer timeout still takes the answer Redis already gave', async () => {
    const shared = createSharedVerdicts(config(), randomBytes(32));
    try {
      const pw = Buffer.from('right-password');
      await shared.ready();
      shared.remember('box-1', 'stored-hash', pw);
      const check = new Redis(cacheRedis.url);
      while ((await check.keys('tt:auth:*')).length === 0) await new Promise((r) => setTimeout(r, 10));
      await check.quit();

      const answers = [shared.known('box-1', 'stored-hash', pw), shared.known('box-1', 'stored-hash', pw)];
      busy(800); // 4 answer timeouts: a plain command timeout gives both lookups up here
      await new Promise((r) => setImmediate(r));
      busy(800);
      expect(await Promise.all(answers)).toEqual([true, true]);
      expect(shared.counters).toMatchObject({ hits: 2, timeouts: 0, errors: 0 });
    } finally {
      await shared.close();
    }
  });

  it('Redis silent for the answer timeout: "not known" (the node verifies itself), counted; later lookups hit again', async () => {
    const shared = createSharedVerdicts(config(), randomBytes(32));
    const pw = Buffer.from('right-password');
    await shared.ready();
    shared.remember('box-2', 'stored-hash', pw);
    expect(await shared.known('box-2', 'stored-hash', pw)).toBe(true);
    const thaw = freeze();
    try {
      expect(await shared.known('box-2', 'stored-hash', pw)).toBe(false);
      expect(shared.counters.timeouts).toBe(1);
    } finally {
      thaw();
    }
    expect(await shared.known('box-2', 'stored-hash', pw)).toBe(true);
    expect(shared.counters).toMatchObject({ hits: 2, timeouts: 1, errors: 0 });
    await shared.close();
  });

  it('a broker whose cache Redis hangs still logs devices in by scrypt, and only with the right password', async () => {
    const node = await p.node({
      persistence: { kind: 'memory' },
      sharedAuthCache: { url: cacheRedis.url, secretFile: '(test)', answerTimeoutMs: 200 },
    });
    const [id] = [...p.registry.devices.keys()];
    const verified0 = node.stats().passwordVerifications;
    const thaw = freeze();
    try {
      const c = await p.connect(id!, node.port);
      expect(c.connected).toBe(true);
      await expect(p.connect(id!, node.port, { password: 'wrong', clientId: id })).rejects.toMatchObject({ code: 4 });
      // the node opened its listeners with the cache connected, so both lookups were sent and given up on the
      // silent Redis: both logins decided by scrypt
      expect(node.cluster().sharedAuth).toMatchObject({ hits: 0, misses: 0, timeouts: 2, errors: 0 });
      expect(node.stats().passwordVerifications).toBe(verified0 + 2);
      await c.endAsync(true);
    } finally {
      thaw();
    }
  });
});

describe('a freshly started node and its cache connection', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const cacheAt = (over: Record<string, unknown> = {}) => ({
    persistence: { kind: 'memory' as const },
    sharedAuthCache: { url: cacheRedis.url, secretFile: '(test)', ...over },
  });
  /** one device's login remembered in the shared cache by another node (a scrypt run there) */
  const remembered = async () => {
    const ids = [...p.registry.devices.keys()];
    const id = ids[3 + remembered.count++]!;
    const first = await p.node(cacheAt());
    await (await p.connect(id, first.port)).endAsync(true);
    expect(first.stats().passwordVerifications).toBe(1);
    await first.close();
    return id;
  };
  remembered.count = 0;

  it('opens its listeners only once the cache answers, so its first login is a cache hit, not scrypt', async () => {
    const id = await remembered();
    const thaw = freeze(); // the cache's Redis accepts the connection but does not answer its handshake yet
    let listening = false;
    const starting = p.node(cacheAt({ startWaitMs: 60_000 })).then((n) => {
      listening = true;
      return n;
    });
    try {
      await sleep(300);
      expect(listening).toBe(false);
    } finally {
      thaw();
    }
    const node = await starting;
    await (await p.connect(id, node.port)).endAsync(true);
    expect(node.cluster().sharedAuth).toMatchObject({ hits: 1, errors: 0, timeouts: 0 });
    expect(node.stats().passwordVerifications).toBe(0);
  });

  it('past its start wait it serves anyway, and a login made while the connection opens waits for it', async () => {
    const id = await remembered();
    const thaw = freeze();
    let node: Awaited<ReturnType<typeof p.node>>;
    try {
      node = await p.node(cacheAt({ startWaitMs: 0, answerTimeoutMs: 20_000 }));
      const login = p.connect(id, node.port);
      await sleep(300); // the lookup is waiting for the connection, not refused at once
      thaw();
      await (await login).endAsync(true);
    } finally {
      thaw();
    }
    expect(node.cluster().sharedAuth).toMatchObject({ hits: 1, errors: 0, timeouts: 0 });
    expect(node.stats().passwordVerifications).toBe(0);
  });
});

describe('admission by expected wait', () => {
  it('refuses a login that would wait longer than maxWaitMs by the measured verification time, never a verdict', async () => {
    let now = 0;
    const admission = new Admission(1, 100, 50, () => now);
    await admission.run(async () => {
      now += 30; // one verification measured at 30 ms
    });
    expect(admission.expectedWaitMs).toBe(30);
    let release!: () => void;
    const running = admission.run(() => new Promise<void>((r) => (release = r)));
    const queued = admission.run(() => Promise.resolve('second')); // waits about 30 ms: admitted
    await expect(admission.run(() => Promise.resolve('third'))).rejects.toBeInstanceOf(BusyError); // about 60 ms
    expect(admission.refused).toBe(1);
    release();
    await running;
    await expect(queued).resolves.toBe('second');
    // the queue emptied: the next one is admitted again
    await expect(admission.run(() => Promise.resolve('fourth'))).resolves.toBe('fourth');
  });
});
