import { describe, expect, it } from 'vitest';
import { audioBytes, item, iso, waitFor } from './helpers/fixtures.ts';
import { RELAY_PIN } from './helpers/rig.ts';
import { speakerSuite } from './helpers/suite.ts';

// 09:00 Vietnam time
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MIN = 60_000;

describe('speaker playback driven by the clock', () => {
  const { env, speaker, deliver } = speakerSuite();
  const ref = (seed: string) => env.audio.add(audioBytes(seed));

  it('switches the relay on, waits the warm-up, plays at the start, switches off and logs "played"', async () => {
    const rig = await speaker({ t0: T0, playMs: 5_000, config: { warmupMs: 2_000, relayHoldMs: 1_000 } });
    const start = T0 + 10 * MIN;
    await deliver(rig, 1, [item({ audio: ref('a'), occurrences: [iso(start)], repeats: 2 })]);
    await rig.clock.advanceSettled(10 * MIN - 2_000);
    expect(rig.relay.on).toBe(true);
    expect(rig.player.plays).toHaveLength(0);
    await rig.clock.advanceSettled(2_000);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start]);
    await rig.clock.advanceSettled(20_000);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start, start + 5_000]);
    expect(rig.relay.on).toBe(false);
    // the adapter writes 0 when it opens the pin, then one on and one off for back-to-back repeats
    expect(rig.io.writes.filter((w) => w.pin === RELAY_PIN).map((w) => w.value)).toEqual([0, 1, 0]);
    const [log] = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(log).toMatchObject({
      outcome: 'played',
      occurrence: iso(start),
      startedAt: iso(start),
      endedAt: iso(start + 10_000),
    });
    expect(rig.tc.state().speaker).toMatchObject({
      relay: 'off',
      lastPlayAt: iso(start),
      scheduleVersion: 1,
      playerErrors: 0,
    });
    await waitFor(() => rig.tc.unacked.size === 0);
  });

  it('an emergency preempts a normal announcement at once', async () => {
    const rig = await speaker({ t0: T0, playMs: 60_000 });
    const start = T0 + 5 * MIN;
    await deliver(rig, 1, [
      item({ announcement: 'thong-bao-thuong', audio: ref('n'), occurrences: [iso(start)] }),
      item({
        announcement: 'bao-lu-khan-cap',
        priority: 'emergency',
        audio: ref('e'),
        occurrences: [iso(start + 10_000)],
      }),
    ]);
    await rig.clock.advanceSettled(5 * MIN + 10_000);
    expect(rig.player.plays.map((p) => [p.startedAt, p.stopped])).toEqual([
      [start, true],
      [start + 10_000, false],
    ]);
    await rig.clock.advanceSettled(2 * MIN);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['thong-bao-thuong']).toMatchObject({
      outcome: 'failed',
      reason: 'preempted',
      startedAt: iso(start),
      endedAt: iso(start + 10_000),
    });
    expect(by['bao-lu-khan-cap']).toMatchObject({
      outcome: 'played',
      priority: 'emergency',
      startedAt: iso(start + 10_000),
    });
  });

  it('a normal announcement never cuts a priority one: it waits its turn', async () => {
    const rig = await speaker({ t0: T0, playMs: 60_000 });
    const start = T0 + 5 * MIN;
    await deliver(rig, 1, [
      item({ announcement: 'uu-tien', priority: 'priority', audio: ref('p'), occurrences: [iso(start)] }),
      item({ announcement: 'thuong', audio: ref('n2'), occurrences: [iso(start + 10_000)], validityS: 600 }),
    ]);
    await rig.clock.advanceSettled(5 * MIN + 2 * MIN);
    expect(rig.player.plays.map((p) => [p.startedAt, p.stopped])).toEqual([
      [start, false],
      [start + 60_000, false],
    ]);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    expect(logs.map((l) => [l.announcement, l.outcome])).toEqual([
      ['uu-tien', 'played'],
      ['thuong', 'played'],
    ]);
  });

  it('a normal announcement that waited past its validity is skipped as busy', async () => {
    const rig = await speaker({ t0: T0, playMs: 120_000 });
    const start = T0 + 5 * MIN;
    await deliver(rig, 1, [
      item({ announcement: 'uu-tien', priority: 'priority', audio: ref('p3'), occurrences: [iso(start)] }),
      item({ announcement: 'thuong', audio: ref('n3'), occurrences: [iso(start + 10_000)], validityS: 30 }),
    ]);
    await rig.clock.advanceSettled(10 * MIN);
    expect(rig.player.plays).toHaveLength(1);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    expect(logs.find((l) => l.announcement === 'thuong')).toMatchObject({ outcome: 'skipped', reason: 'busy' });
  });

  it('quiet hours skip normal and priority announcements, never an emergency', async () => {
    // 22:30 Vietnam time
    const t0 = Date.parse('2026-11-25T15:00:00.000Z');
    const rig = await speaker({
      t0,
      playMs: 1_000,
      config: { quietHours: { periods: [{ from: '22:00', to: '05:00' }] } },
    });
    const start = t0 + 30 * MIN;
    await deliver(rig, 1, [
      item({ announcement: 'thuong', audio: ref('q1'), occurrences: [iso(start)] }),
      item({ announcement: 'uu-tien', priority: 'priority', audio: ref('q1'), occurrences: [iso(start + MIN)] }),
      item({ announcement: 'khan-cap', priority: 'emergency', audio: ref('q1'), occurrences: [iso(start + 2 * MIN)] }),
    ]);
    await rig.clock.advanceSettled(40 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start + 2 * MIN]);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 3 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by.thuong).toMatchObject({ outcome: 'skipped', reason: 'quiet-hours' });
    expect(by['uu-tien']).toMatchObject({ outcome: 'skipped', reason: 'quiet-hours' });
    expect(by['khan-cap']).toMatchObject({ outcome: 'played' });
  });

  it('applies the per-period volume cap (Vietnam time)', async () => {
    const rig = await speaker({
      t0: T0,
      playMs: 1_000,
      config: {
        volumeCaps: [
          { from: '11:00', to: '13:30', max: 40 },
          { from: '12:00', to: '13:00', max: 25 },
        ],
      },
    });
    // 09:10, 11:10 and 12:10 Vietnam time
    const starts = [T0 + 10 * MIN, T0 + 130 * MIN, T0 + 190 * MIN];
    await deliver(rig, 1, [item({ audio: ref('v'), volume: 80, occurrences: starts.map(iso) })]);
    await rig.clock.advanceSettled(200 * MIN);
    expect(rig.player.plays.map((p) => [p.startedAt, p.volume])).toEqual([
      [starts[0], 80],
      [starts[1], 40],
      [starts[2], 25],
    ]);
  });

  it('a player error is logged "failed" with the reason and counted in the state', async () => {
    const rig = await speaker({ t0: T0 });
    await deliver(rig, 1, [item({ audio: ref('f'), occurrences: [iso(T0 + MIN)] })]);
    rig.player.failWith = 'aplay: audio open error: No such device';
    await rig.clock.advanceSettled(2 * MIN);
    const [log] = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(log).toMatchObject({ outcome: 'failed' });
    expect(log.reason).toMatch(/^player-error/);
    expect(rig.tc.state().speaker?.playerErrors).toBe(1);
    expect(rig.relay.on).toBe(false);
  });
});
