import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableFile } from '../../firmware-bridge/speaker/durable-file.ts';
import { tempDir } from '../harness/temp.ts';

describe('a file kept on the SD card, written in the background', () => {
  const dir = tempDir();

  it('the unit acts first: the card is written in the next turn, once for a burst, with the newest text', async () => {
    const file = new DurableFile(join(dir, 'ledger.json'));
    const writes = Array.from({ length: 50 }, (_, i) => file.write(JSON.stringify({ n: i })));
    // nothing has touched the card while the unit is still acting on what it received
    expect(existsSync(file.path)).toBe(false);
    await writes[0];
    // coalesced: the first write resolved with the newest text on disk
    expect(JSON.parse(readFileSync(file.path, 'utf8'))).toEqual({ n: 49 });
    await Promise.all(writes);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    void file.write('{"n":50}');
    await file.flushed();
    expect(readFileSync(file.path, 'utf8')).toBe('{"n":50}');
  });

  it('a write the card refuses rejects (the caller counts it), leaves nothing half-written, and the next one works', async () => {
    const folder = join(dir, 'gone');
    const file = new DurableFile(join(folder, 'schedule.json'));
    // the folder is missing (a card remounted empty): open(2) fails
    const failed = await file.write('{"v":1}').then(
      () => null,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(failed).toBe('ENOENT');
    await file.flushed();
    mkdirSync(folder);
    await file.write('{"v":2}');
    expect(readFileSync(file.path, 'utf8')).toBe('{"v":2}');
    expect(readdirSync(folder)).toEqual(['schedule.json']);
  });
});
