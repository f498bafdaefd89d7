import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validRating } from '../../devices/fixtures/messages.ts';
import { Outbox } from '../../firmware-bridge/outbox/outbox.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';

const root = tempDir('tt-outbox-');
let n = 0;
const fresh = () => join(root, `o${n++}`);
const rating = (level: string = 'hai-long') => ({ ...validRating, id: randomUUID(), level });

describe('outbox', () => {
  it('keeps every unconfirmed message across a reopen and forgets confirmed ones', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, {}, silentLogger);
    const a = rating();
    const b = rating('khong-hai-long');
    await box.add('rating', a);
    await box.add('rating', b);
    await box.confirm([a.id]);
    await box.close();
    const again = await Outbox.open(dir, {}, silentLogger);
    expect(again.ready().map((e) => e.payload)).toEqual([b]);
    expect(again.stats().tornRecoveries).toBe(0);
    await again.close();
  });

  it('refuses a payload the collector would refuse', async () => {
    const box = await Outbox.open(fresh(), {}, silentLogger);
    await expect(box.add('rating', { ...rating(), level: 'tuyet-voi' })).rejects.toMatchObject({
      code: 'BRIDGE_OUTBOX_INVALID',
    });
    expect(box.depth()).toBe(0);
    await box.close();
  });

  it('recovers from a torn last record at any byte offset: truncates, counts, keeps the good ones', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, {}, silentLogger);
    const kept = [rating(), rating()];
    for (const r of kept) await box.add('rating', r);
    const goodSize = (await stat(join(dir, 'journal.bin'))).size;
    await box.add('rating', rating('binh-thuong'));
    await box.close();
    const full = await readFile(join(dir, 'journal.bin'));
    const lastLen = full.length - goodSize;
    for (const cut of [1, 4, 7, 8, 9, Math.floor(lastLen / 2), lastLen - 1]) {
      const copy = join(root, `torn${n++}`);
      await writeFile(join(await mkd(copy), 'journal.bin'), full.subarray(0, goodSize + cut));
      const reopened = await Outbox.open(copy, {}, silentLogger);
      expect(
        reopened.ready().map((e) => e.id),
        `cut ${cut}`,
      ).toEqual(kept.map((r) => r.id));
      expect(reopened.stats()).toMatchObject({ tornRecoveries: 1, tornBytes: cut });
      // the tail is gone from the file: new records append after the last good one
      await reopened.add('rating', rating());
      await reopened.close();
      const third = await Outbox.open(copy, {}, silentLogger);
      expect(third.depth()).toBe(3);
      expect(third.stats().tornRecoveries).toBe(0);
      await third.close();
    }
  });

  it('recovers from garbage appended after the last record and from a flipped byte', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, {}, silentLogger);
    const r = rating();
    await box.add('rating', r);
    await box.close();
    const path = join(dir, 'journal.bin');
    const size = (await stat(path)).size;
    await appendFile(path, Buffer.from('\x05\x00\x00\x00garbage that is not a frame'));
    const reopened = await Outbox.open(dir, {}, silentLogger);
    expect(reopened.ready().map((e) => e.id)).toEqual([r.id]);
    expect(reopened.stats().tornRecoveries).toBe(1);
    await reopened.add('rating', rating());
    await reopened.close();
    // a flipped byte in the second record's body fails its CRC: only the first survives
    const bytes = await readFile(path);
    bytes[size + 20] ^= 0xff;
    await writeFile(path, bytes);
    const third = await Outbox.open(dir, {}, silentLogger);
    expect(third.ready().map((e) => e.id)).toEqual([r.id]);
    await third.close();
    expect((await stat(path)).size).toBe(size);
  });

  it('salvages the records after a corrupt region in the middle (bad sector), and rewrites the journal', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, {}, silentLogger);
    const [a, b, c] = [rating(), rating('binh-thuong'), rating('khong-hai-long')];
    await box.add('rating', a);
    const path = join(dir, 'journal.bin');
    const afterA = (await stat(path)).size;
    await box.add('rating', b);
    await box.add('rating', c);
    await box.close();
    const bytes = await readFile(path);
    bytes[afterA + 30] ^= 0xff; // inside b's body
    await writeFile(path, bytes);
    const reopened = await Outbox.open(dir, {}, silentLogger);
    expect(reopened.ready().map((e) => e.id)).toEqual([a.id, c.id]);
    expect(reopened.stats()).toMatchObject({ salvaged: 1, tornRecoveries: 1 });
    await reopened.close();
    const clean = await Outbox.open(dir, {}, silentLogger);
    expect(clean.ready().map((e) => e.id)).toEqual([a.id, c.id]);
    expect(clean.stats()).toMatchObject({ salvaged: 0, tornRecoveries: 0 });
    await clean.close();
  });

  it('is bounded: a message past maxEntries is refused with BRIDGE_OUTBOX_FULL and counted', async () => {
    const box = await Outbox.open(fresh(), { maxEntries: 3 }, silentLogger);
    for (let i = 0; i < 3; i++) await box.add('rating', rating());
    expect(box.isFull()).toBe(true);
    await expect(box.add('rating', rating())).rejects.toMatchObject({ code: 'BRIDGE_OUTBOX_FULL' });
    expect(box.stats()).toMatchObject({ depth: 3, refusedFull: 1 });
    await box.confirm([box.ready()[0].id]);
    expect(box.isFull()).toBe(false);
    await box.add('rating', rating());
    await box.close();
  });

  it('is bounded by bytes too', async () => {
    const box = await Outbox.open(fresh(), { maxBytes: 4096 }, silentLogger);
    let refused = 0;
    for (let i = 0; i < 40; i++) await box.add('rating', rating()).catch(() => refused++);
    expect(refused).toBeGreaterThan(0);
    expect(box.stats().bytes).toBeLessThanOrEqual(4096);
    await box.close();
  });

  it('compacts when confirmed records dominate and keeps the unconfirmed ones (and their resolved time)', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, { compactMinBytes: 2048 }, silentLogger);
    const all = Array.from({ length: 30 }, () => rating());
    for (const r of all) await box.add('rating', r);
    const pendingOne = { v: 1, id: randomUUID(), level: 'hai-long', boot: 'boot-x', seq: 3 };
    await box.add('rating', pendingOne, { boot: 'boot-x', mono: 5000 });
    await box.resolve(pendingOne.id, '2026-11-25T01:00:00.000Z', 'mapped');
    const keep = [all[4], all[17]];
    await box.confirm(all.filter((r) => !keep.includes(r)).map((r) => r.id));
    expect(box.stats().compactions).toBeGreaterThanOrEqual(1);
    const before = box.stats().journalBytes;
    await box.close();
    expect((await stat(join(dir, 'journal.bin'))).size).toBe(before);
    const reopened = await Outbox.open(dir, {}, silentLogger);
    expect(reopened.ready().map((e) => e.id)).toEqual([...keep.map((r) => r.id), pendingOne.id]);
    expect(reopened.ready()[2].payload).toMatchObject({ at: '2026-11-25T01:00:00.000Z', time: 'mapped' });
    expect(reopened.stats().tornRecoveries).toBe(0);
    await reopened.close();
  });

  it('keeps a pending rating unpublishable until its time is resolved, across a reopen', async () => {
    const dir = fresh();
    const box = await Outbox.open(dir, {}, silentLogger);
    const p = { v: 1, id: randomUUID(), level: 'binh-thuong', boot: 'boot-y', seq: 0 };
    await box.add('rating', p, { boot: 'boot-y', mono: 1234 });
    expect(box.ready()).toHaveLength(0);
    expect(box.unresolved()).toHaveLength(1);
    await box.close();
    const reopened = await Outbox.open(dir, {}, silentLogger);
    expect(reopened.unresolved()[0].pending).toEqual({ boot: 'boot-y', mono: 1234 });
    await reopened.close();
  });
});

async function mkd(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
