import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { FakeIO } from '../../firmware-bridge/io/fake-io.ts';
import type { GpioBoard } from '../../firmware-bridge/io/io.ts';
import { openJohnnyFiveBoard } from '../../firmware-bridge/io/johnny-five.ts';
import { RatingBoxConfig } from '../../firmware-bridge/rating-box/config.ts';
import { RatingBoxUnit, type RatedPress } from '../../firmware-bridge/rating-box/unit.ts';
import { tempDir } from '../harness/temp.ts';
import { fakeContext, syncedTime, unsyncedTime } from '../support/bridge-context.ts';
import { waitFor } from './helpers.ts';

const PINS = { 'rat-hai-long': 2, 'hai-long': 3, 'binh-thuong': 4, 'khong-hai-long': 5 } as const;
const LED = 13;
const BUZZER = 8;
const root = tempDir('tt-rb-');
let n = 0;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(opts: { full?: boolean; synced?: boolean; lockoutMs?: number } = {}) {
  const io = new FakeIO();
  const board: GpioBoard = await openJohnnyFiveBoard({ io, timeoutMs: 20_000 }, 'test');
  const clock = new FakeClock();
  const events: string[] = [];
  const records: RatedPress[] = [];
  io.onWrite = (pin, value) => {
    if (pin === LED || pin === BUZZER) events.push(`${pin === LED ? 'led' : 'buzzer'}:${value}`);
  };
  const ratings = {
    isFull: () => opts.full ?? false,
    record: async (p: RatedPress) => {
      events.push('outbox');
      records.push(p);
    },
  };
  const config = RatingBoxConfig.parse({
    buttons: PINS,
    leds: { ack: LED },
    buzzerPin: BUZZER,
    lockoutMs: opts.lockoutMs ?? 3_000,
    debounceMs: 50,
  });
  const unit = new RatingBoxUnit(config, { board, ratings, boot: 'boot-a' });
  const dataDir = join(root, `u${n++}`);
  const { ctx, sections } = fakeContext(clock, opts.synced === false ? unsyncedTime : syncedTime, dataDir);
  await unit.start(ctx);
  events.length = 0; // the initial "off" writes
  cleanups.push(async () => {
    await unit.stop();
    await board.close();
  });
  /** one pin level change, waiting until johnny-five delivered it (its own 7 ms trailing timer) */
  const edge = async (pin: number, level: 0 | 1) => {
    const before = unit.edges;
    io.setLevel(pin, level);
    await waitFor(() => unit.edges > before, 20_000, `edge on pin ${pin}`);
  };
  return { io, clock, unit, events, records, edge, sections, dataDir };
}

describe('rating box', () => {
  it('turns one press with contact bounce (on press and on release) into one rating', async () => {
    const { clock, unit, records, edge } = await setup();
    const pin = PINS['hai-long'];
    // press chatter: down, up, down, up, down within a few ms
    for (const level of [0, 1, 0, 1, 0] as const) {
      await edge(pin, level);
      clock.advance(3);
    }
    clock.advance(400); // held
    // release chatter: up, down, up
    for (const level of [1, 0, 1] as const) {
      await edge(pin, level);
      clock.advance(2);
    }
    await waitFor(() => records.length >= 1);
    expect(records.map((r) => r.level)).toEqual(['hai-long']);
    expect(unit.counters.accepted).toBe(1);
    expect(unit.counters.rejected.lockout).toBe(0);
  });

  it('locks out presses after a rating: one rating, the rest counted as rejected', async () => {
    const { clock, unit, records, edge, sections } = await setup({ lockoutMs: 3_000 });
    const press = async (pin: number) => {
      await edge(pin, 0);
      clock.advance(100);
      await edge(pin, 1);
      clock.advance(300);
    };
    await press(PINS['rat-hai-long']);
    await press(PINS['khong-hai-long']);
    await press(PINS['khong-hai-long']);
    await press(PINS['binh-thuong']);
    await waitFor(() => records.length >= 1);
    expect(records).toHaveLength(1);
    expect(unit.counters).toEqual({ accepted: 1, rejected: { lockout: 3, 'outbox-full': 0, 'dossier-used': 0 } });
    expect(sections[0]()).toEqual({
      presses: { accepted: 1, rejected: { lockout: 3, 'outbox-full': 0, 'dossier-used': 0 } },
    });
    clock.advance(3_000); // past the lockout
    await press(PINS['binh-thuong']);
    await waitFor(() => records.length >= 2);
    expect(records.map((r) => r.level)).toEqual(['rat-hai-long', 'binh-thuong']);
  });

  it('writes the LED and the buzzer before the rating goes to the outbox, then turns them off', async () => {
    const { clock, events, edge, io } = await setup();
    await edge(PINS['rat-hai-long'], 0);
    await waitFor(() => events.includes('outbox'));
    const outboxAt = events.indexOf('outbox');
    expect(events.indexOf('led:1')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('led:1')).toBeLessThan(outboxAt);
    expect(events.indexOf('buzzer:1')).toBeLessThan(outboxAt);
    expect(io.level(LED)).toBe(1);
    clock.advance(200); // beep over, LED still lit through the lockout
    expect(io.level(BUZZER)).toBe(0);
    expect(io.level(LED)).toBe(1);
    clock.advance(3_000);
    expect(io.level(LED)).toBe(0);
  });

  it('refuses a rating when the outbox is full: counted, error beep, nothing stored', async () => {
    const { unit, events, records, edge, io } = await setup({ full: true });
    await edge(PINS['hai-long'], 0);
    expect(unit.counters).toEqual({ accepted: 0, rejected: { lockout: 0, 'outbox-full': 1, 'dossier-used': 0 } });
    expect(io.level(BUZZER)).toBe(1);
    expect(events).not.toContain('led:1');
    expect(records).toHaveLength(0);
  });

  it('numbers presses across bridge restarts within one boot, from 0 in a new boot', async () => {
    const dataDir = join(root, `seq${n++}`);
    const seqs: number[] = [];
    const run = async (boot: string) => {
      const io = new FakeIO();
      const board = await openJohnnyFiveBoard({ io, timeoutMs: 20_000 });
      const config = RatingBoxConfig.parse({ buttons: PINS, leds: { ack: LED }, buzzerPin: BUZZER, lockoutMs: 0 });
      const unit = new RatingBoxUnit(config, {
        board,
        boot,
        ratings: { isFull: () => false, record: async (p) => void seqs.push(p.seq) },
      });
      await unit.start(fakeContext(new FakeClock(), syncedTime, dataDir).ctx);
      unit.press('hai-long');
      unit.press('hai-long');
      await unit.stop();
      await board.close();
    };
    await run('boot-a');
    await run('boot-a');
    await run('boot-b');
    expect(seqs).toEqual([0, 1, 2, 3, 0, 1]);
  });

  it('logs every raw press with its reason, wall time only when the clock is trusted', async () => {
    const { clock, unit, edge, dataDir } = await setup({ synced: false });
    const pin = PINS['hai-long'];
    await edge(pin, 0);
    clock.advance(100);
    await edge(pin, 1);
    clock.advance(100);
    await edge(pin, 0); // within the lockout
    await unit.stop();
    const files = await readdir(join(dataDir, 'presses'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^presses-boot-boot-a\.jsonl$/);
    const lines = (await readFile(join(dataDir, 'presses', files[0]), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.accepted, l.reason ?? null, l.seq])).toEqual([
      [true, null, 0],
      [false, 'lockout', 1],
    ]);
    expect(lines[0].wall).toBeUndefined();
    expect(typeof lines[0].id).toBe('string');
    expect(lines[0].mono).toBe(1_000_000);
  });
});
