import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InfluxStore } from '../../collector/influx-store.ts';
import { Spool } from '../../collector/spool.ts';
import { emptyStats } from '../../collector/stats.ts';
import { DurableStore } from '../../collector/store.ts';
import type { CollectorContext, InboundMessage } from '../../collector/extension.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { FIXTURE_DEVICE, validRating } from '../../devices/fixtures/messages.ts';
import { testRegistry } from './helpers.ts';
import { idTimestampNs } from '../../collector/timestamp.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import { tempDir } from '../harness/temp.ts';

describe('spool', () => {
  const root = tempDir('tt-spoolunit-');

  it('keeps segments across reopen, in order, and drops a partial last line', async () => {
    const dir = join(root, 'a');
    const s = new Spool(dir, 1_000_000);
    await s.open();
    await s.append(['m a=1i 1', 'm a=2i 2']);
    await s.append(['m a=3i 3']);
    // a crash during an append leaves half a line
    appendFileSync(join(dir, readdirSync(dir)[0]), 'm a=4');
    const again = new Spool(dir, 1_000_000);
    await again.open();
    expect(again.bytes).toBeGreaterThan(0);
    await again.append(['m a=5i 5']); // goes to a new segment, never after the partial line
    const first = await again.oldest();
    expect(first?.lines).toEqual(['m a=1i 1', 'm a=2i 2', 'm a=3i 3']);
    expect(first?.truncatedBytes).toBe(5);
    await again.removeOldest();
    expect((await again.oldest())?.lines).toEqual(['m a=5i 5']);
    await again.removeOldest();
    expect(again.empty).toBe(true);
    expect(again.bytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an append past its bound and writes nothing', async () => {
    const s = new Spool(join(root, 'b'), 30);
    await s.open();
    expect(await s.append(['m a=1i 1'])).toBe('ok');
    expect(await s.append(['m a=2i 2', 'm a=3i 3', 'm a=4i 4'])).toBe('full');
    expect((await s.oldest())?.lines).toEqual(['m a=1i 1']);
  });

  it('with InfluxDB unreachable and the spool full: counts the drop and acknowledges nothing of it', async () => {
    const port = await freePort(); // nothing listens there
    const stats = emptyStats();
    const acked: string[] = [];
    const spool = new Spool(join(root, 'c'), 40);
    await spool.open();
    const store = new DurableStore({
      storage: new InfluxStore({ url: `http://127.0.0.1:${port}`, database: 'x', schemas: [], writeTimeoutMs: 2000 }),
      spool,
      clock: systemClock,
      log: silentLogger,
      stats,
      batch: { maxPoints: 1, maxDelayMs: 10 },
      onDurable: (acks) => acked.push(...[...acks.values()].flat()),
    });
    await store.add(['m a=1i 1'], { deviceId: 'd', id: 'one' });
    await store.add(['m a=2i 2,b="this line does not fit in the spool"'], { deviceId: 'd', id: 'two' });
    await store.close();
    expect(acked).toEqual(['one']);
    expect(stats.spooled).toBe(1);
    expect(stats.spoolDropped).toBe(1);
    expect(stats.writeFailures).toBe(1);
  });
});

describe('idempotent timestamps', () => {
  it('puts the id hash below the millisecond, stable across calls', () => {
    const at = Date.parse('2026-11-25T02:15:30.123Z');
    const a = idTimestampNs(at, '0b8f8a2e-7c1d-4f7e-9a51-3c2d1e0f9a11');
    expect(a).toBe(idTimestampNs(at, '0b8f8a2e-7c1d-4f7e-9a51-3c2d1e0f9a11'));
    expect(BigInt(a) / 1_000_000n).toBe(BigInt(at));
    expect(a).not.toBe(idTimestampNs(at, '0b8f8a2e-7c1d-4f7e-9a51-3c2d1e0f9a12'));
  });
});

describe('line protocol', () => {
  it('escapes like the influx package, sorts tags, drops empty ones and never emits a line break', async () => {
    const { InfluxDB, FieldType } = await import('influx');
    const { encodePoint } = await import('../../collector/line-protocol.ts');
    const influx = new InfluxDB({
      host: '127.0.0.1',
      database: 'd',
      schema: [
        {
          database: 'd',
          measurement: 'm x',
          fields: { n: FieldType.INTEGER, s: FieldType.STRING },
          tags: ['b', 'a', 'z'],
        },
      ],
    });
    const line = encodePoint(influx, 'd', {
      measurement: 'm x',
      tags: { b: 'v,1', a: 'x y', z: '' },
      fields: { n: 4, s: 'say "hi"\nbye' },
      timestamp: '17',
    });
    expect(line).toBe('m\\ x,a=x\\ y,b=v\\,1 n=4i,s="say \\"hi\\"\\nbye" 17');
    expect(() => encodePoint(influx, 'd', { measurement: 'm x', tags: { nope: '1' }, fields: { n: 1 } })).toThrow();
  });
});

describe('rating extension', () => {
  it("refuses a level that is not on the box's buttons (registry `levels`), keeping the payload", async () => {
    const { registry } = await testRegistry();
    const base = registry.device(FIXTURE_DEVICE);
    if (base?.device.kind !== 'rating-box') throw new Error('fixture box missing');
    const entry = { ...base, device: { ...base.device, levels: ['hai-long' as const, 'khong-hai-long' as const] } };
    const ctx = { registry, clock: systemClock, log: silentLogger } as unknown as CollectorContext;
    const ext = new RatingExtension();
    const msg = (level: string) =>
      ({
        channel: 'rating',
        deviceId: FIXTURE_DEVICE,
        payload: { ...validRating, level },
        entry,
        receivedAt: Date.now(),
      }) as unknown as InboundMessage;
    const refused = ext.handle(msg('binh-thuong'), ctx);
    expect(refused).toMatchObject({ reject: 'rating-level-not-on-device' });
    expect('detail' in refused && refused.detail).toContain(validRating.id);
    expect(ext.handle(msg('hai-long'), ctx)).toMatchObject({ ackId: validRating.id });
    // without `levels` every contract level is accepted, as before
    expect(ext.handle({ ...msg('binh-thuong'), entry: base } as InboundMessage, ctx)).toMatchObject({
      ackId: validRating.id,
    });
  });
});
