import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, handleFireAndForget } from '../../broker/persistence.ts';
import { LocalRedis } from '../../infra/redis-server.ts';

/**
 * The persistence's Redis connection is auto-pipelined (one socket write per turn of the loop, not per command), and
 * aedes-persistence-redis sends some commands without awaiting them: closed in between, those must not become
 * unhandled rejections, while a command that is awaited still reports its error.
 */
const dir = mkdtempSync(join(tmpdir(), 'tt-pipelining-'));
const redis = new LocalRedis(join(dir, 'redis'));
beforeAll(() => redis.start(), 30_000);
afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('auto-pipelined persistence connection', () => {
  it('a command nobody awaits, caught by the connection closing, is no unhandled rejection; an awaited one still fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const conn = new Redis({ port: redis.port, host: '127.0.0.1', enableAutoPipelining: true });
    handleFireAndForget(conn);
    try {
      await conn.set('tt:test:list-owner', '1');
      void conn.lrem('tt:test:wills', 0, 'will:x'); // as putWill and delWill send it
      void conn.rpush('tt:test:wills', 'will:x');
      const awaited = conn.getBuffer('tt:test:list-owner');
      await closeRedis(conn); // QUIT goes out before the pipelined commands' turn
      await expect(awaited).rejects.toThrow(/Connection is closed/);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      conn.disconnect();
    }
  });

  it('a pipelined command still gets its reply', async () => {
    const conn = new Redis({ port: redis.port, host: '127.0.0.1', enableAutoPipelining: true });
    handleFireAndForget(conn);
    try {
      const [a, b] = await Promise.all([conn.rpush('tt:test:q', 'one'), conn.rpush('tt:test:q', 'two')]);
      expect([a, b]).toEqual([1, 2]);
      expect(await conn.lrange('tt:test:q', 0, -1)).toEqual(['one', 'two']);
    } finally {
      await closeRedis(conn);
    }
  });
});
