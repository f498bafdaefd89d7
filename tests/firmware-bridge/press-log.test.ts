import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { PressLog } from '../../firmware-bridge/rating-box/press-log.ts';
import { vnDate } from '../../devices/time/vietnam.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';
import { syncedTime } from '../support/bridge-context.ts';

const root = tempDir('tt-plog-');
const line = (seq: number) => ({ level: 'hai-long', accepted: true, boot: 'b', seq, mono: seq });

describe('press log', () => {
  it('uses the Vietnam date (UTC+7) for the day boundary', () => {
    expect(vnDate(Date.parse('2026-11-25T16:59:59Z'))).toBe('2026-11-25');
    expect(vnDate(Date.parse('2026-11-25T17:00:00Z'))).toBe('2026-11-26');
  });

  it('rotates at the Vietnam midnight and past the size bound, and prunes the oldest files', async () => {
    const dir = join(root, 'a');
    const clock = new FakeClock(Date.parse('2026-11-25T16:59:00Z'));
    const log = new PressLog(dir, {
      clock,
      time: syncedTime,
      boot: 'b',
      log: silentLogger,
      limits: { maxFileBytes: 300, maxFiles: 3 },
    });
    log.append(line(0));
    await log.flush();
    clock.advance(120_000); // past 17:00 UTC = midnight in Vietnam
    for (let i = 1; i <= 12; i++) log.append(line(i));
    await log.flush();
    const files = (await readdir(dir)).sort();
    expect(files.length).toBeLessThanOrEqual(3);
    expect(files.every((f) => f.startsWith('presses-2026-11-26'))).toBe(true); // the 25th was pruned first
    const all = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
    expect(all).toContain('"seq":12');
    expect(log.pruned).toBeGreaterThan(0);
  });

  it('prunes by mtime, never the file being written', async () => {
    const dir = join(root, 'b');
    const clock = new FakeClock(Date.parse('2026-11-25T03:00:00Z'));
    const log = new PressLog(dir, { clock, time: syncedTime, boot: 'b', log: silentLogger, limits: { maxFiles: 2 } });
    await mkdir(dir, { recursive: true });
    for (const d of ['2026-11-20', '2026-11-21', '2026-11-22']) {
      await writeFile(join(dir, `presses-${d}.jsonl`), '{}\n');
      const t = new Date(`${d}T00:00:00Z`);
      await utimes(join(dir, `presses-${d}.jsonl`), t, t);
    }
    log.append(line(1));
    await log.flush();
    expect((await readdir(dir)).sort()).toEqual(['presses-2026-11-22.jsonl', 'presses-2026-11-25.jsonl']);
  });
});
