import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EPOCH_FLOOR } from '../../devices/contract/time.ts';
import { BootHistory } from '../../firmware-bridge/clock/boot.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { resolvePressTime } from '../../firmware-bridge/clock/resolve.ts';
import { FakeTimeSource, rtcSource } from '../../firmware-bridge/clock/sources.ts';
import { TimeResolver } from '../../firmware-bridge/clock/time-resolver.ts';
import { TrustedClock } from '../../firmware-bridge/clock/trusted-time.ts';
import { Outbox } from '../../firmware-bridge/outbox/outbox.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';

const root = tempDir('tt-clock-');
const SYNC_WALL = Date.parse('2026-11-25T03:00:00.000Z');
const PI_BOOT_WALL = Date.parse('1970-01-01T00:00:05Z'); // a Pi without RTC

describe('resolvePressTime', () => {
  const boots = { order: ['a', 'b', 'c'], syncs: new Map([['c', { wall: SYNC_WALL, mono: 20_000 }]]) };

  it('maps a press of the synced boot exactly from the monotonic clock', () => {
    expect(resolvePressTime({ boot: 'c', mono: 15_000 }, boots)).toEqual({ at: SYNC_WALL - 5_000, time: 'mapped' });
  });

  it('estimates a press of an earlier, never-synced boot by the start of the first later trusted boot', () => {
    expect(resolvePressTime({ boot: 'a', mono: 999_999 }, boots)).toEqual({
      at: SYNC_WALL - 20_000,
      time: 'estimated',
    });
    expect(resolvePressTime({ boot: 'b', mono: 1 }, boots)).toEqual({ at: SYNC_WALL - 20_000, time: 'estimated' });
  });

  it('leaves a press unresolved while no boot at or after it has synced', () => {
    expect(resolvePressTime({ boot: 'x', mono: 1 }, { order: ['x'], syncs: new Map() })).toBeNull();
  });

  it('never returns a time before the epoch floor or after now', () => {
    const weird = { order: ['a'], syncs: new Map([['a', { wall: EPOCH_FLOOR + 1_000, mono: 10_000_000 }]]) };
    const r = resolvePressTime({ boot: 'a', mono: 1 }, weird)!;
    expect(r.at).toBeGreaterThanOrEqual(EPOCH_FLOOR);
    const capped = resolvePressTime({ boot: 'c', mono: 50_000 }, boots, { boot: 'c', nowWall: SYNC_WALL + 1_000 })!;
    expect(capped.at).toBeLessThanOrEqual(SYNC_WALL + 1_000);
  });
});

describe('TrustedClock', () => {
  it('is not trusted before a source says so, nor while the wall clock reads before the epoch floor', async () => {
    const clock = new FakeClock(PI_BOOT_WALL, 5_000);
    const source = new FakeTimeSource(false);
    const time = new TrustedClock({ clock, sources: [source] });
    expect(await time.check()).toBe(false);
    source.value = true; // e.g. a stale synchronized flag: the clock still says 1970
    expect(await time.check()).toBe(false);
    expect(time.synced()).toBe(false);
    clock.setWall(SYNC_WALL);
    const waited = time.whenSynced();
    expect(await time.check()).toBe(true);
    await waited;
    expect(time.syncPoint()).toEqual({ wall: SYNC_WALL, mono: 5_000 });
  });

  it('trusts a configured RTC from the start', async () => {
    const time = new TrustedClock({ clock: new FakeClock(SYNC_WALL), sources: [rtcSource(true)] });
    expect(await time.check()).toBe(true);
  });
});

describe('time resolution through the outbox, across boots', () => {
  it('maps a press of this boot, estimates one of an earlier boot, and a replay sends the same times', async () => {
    const dataDir = join(root, 'box');
    const outboxDir = join(dataDir, 'outbox');
    const historyPath = join(dataDir, 'boots.jsonl');

    /** one boot of the Pi on the same data folder: its clock (monotonic from `mono`), outbox and time resolver */
    const boot = async (name: string, mono: number, source: FakeTimeSource) => {
      const clock = new FakeClock(PI_BOOT_WALL, mono);
      const time = new TrustedClock({ clock, sources: [source] });
      const outbox = await Outbox.open(outboxDir, {}, silentLogger);
      const history = new BootHistory(historyPath);
      const resolver = new TimeResolver({ outbox, history, time, boot: name, clock, log: silentLogger });
      await resolver.start();
      return { clock, time, outbox, resolver };
    };

    // boot A: the clock never syncs; one rating is pressed, then the power is cut
    {
      const { outbox, resolver } = await boot('boot-a', 4_000, new FakeTimeSource(false));
      await outbox.add(
        'rating',
        { v: 1, id: randomUUID(), level: 'hai-long', boot: 'boot-a', seq: 0 },
        { boot: 'boot-a', mono: 6_000 },
      );
      await resolver.resolveAll();
      expect(outbox.unresolved()).toHaveLength(1);
      expect(outbox.ready()).toHaveLength(0);
      await outbox.close();
    }

    // boot B: a press before NTP, then NTP sets the clock 7 s later
    const source = new FakeTimeSource(false);
    const { clock, time, outbox } = await boot('boot-b', 3_000, source);
    expect(outbox.unresolved()).toHaveLength(1); // boot A cannot be resolved yet: nothing has synced
    const idB = randomUUID();
    await outbox.add(
      'rating',
      { v: 1, id: idB, level: 'rat-hai-long', boot: 'boot-b', seq: 0 },
      { boot: 'boot-b', mono: 4_000 },
    );
    clock.advance(7_000); // mono 10_000
    clock.setWall(SYNC_WALL);
    source.value = true;
    await time.check();
    await waitResolved(outbox);
    const byBoot = Object.fromEntries(outbox.ready().map((e) => [e.payload.boot as string, e.payload]));
    expect(byBoot['boot-b']).toMatchObject({ id: idB, time: 'mapped', at: new Date(SYNC_WALL - 6_000).toISOString() });
    expect(byBoot['boot-a']).toMatchObject({ time: 'estimated', at: new Date(SYNC_WALL - 10_000).toISOString() });
    for (const e of outbox.ready()) {
      expect(Date.parse(e.payload.at as string)).toBeGreaterThanOrEqual(EPOCH_FLOOR);
      expect(Date.parse(e.payload.at as string)).toBeLessThanOrEqual(clock.now());
    }
    await outbox.close();

    // a crash and a replay: the journal holds the resolution, the same times come back
    const again = await Outbox.open(outboxDir, {}, silentLogger);
    expect(Object.fromEntries(again.ready().map((e) => [e.payload.boot as string, e.payload]))).toEqual(byBoot);
    // and a later boot does not re-resolve them differently
    const later = new TimeResolver({
      outbox: again,
      history: new BootHistory(historyPath),
      time: new TrustedClock({ clock: new FakeClock(SYNC_WALL + 3_600_000, 2_000), sources: [rtcSource(true)] }),
      boot: 'boot-c',
      clock: new FakeClock(SYNC_WALL + 3_600_000, 2_000),
      log: silentLogger,
    });
    await later.start();
    expect(Object.fromEntries(again.ready().map((e) => [e.payload.boot as string, e.payload]))).toEqual(byBoot);
    await again.close();
  });
});

async function waitResolved(outbox: Outbox): Promise<void> {
  for (let i = 0; i < 2_000 && outbox.unresolved().length; i++) await new Promise((r) => setTimeout(r, 10));
}
