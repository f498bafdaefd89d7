import { describe, expect, it } from 'vitest';
import { signSchedule } from '../../devices/schedule-signature.ts';
import { audioBytes, item, iso, KEYS, scheduleDoc, waitFor } from './helpers/fixtures.ts';
import { speakerSuite } from './helpers/suite.ts';

const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MIN = 60_000;

describe('speaker offline, after a power cut, and without trusted time', () => {
  const { env, speaker, deliver } = speakerSuite();
  const ref = (seed: string) => env.audio.add(audioBytes(seed));

  it('cut off from the broker before the time, it plays from its cache; the log arrives after reconnecting', async () => {
    const rig = await speaker({ t0: T0, playMs: 5_000 });
    const start = T0 + 10 * MIN;
    await deliver(rig, 1, [item({ audio: ref('off'), occurrences: [iso(start)] })]);
    const fetches = env.audio.requests;
    await env.broker.stop();
    await waitFor(() => !rig.tc.client.connected && !env.collector.client.connected);
    await rig.clock.advanceSettled(11 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start]);
    expect(env.audio.requests).toBe(fetches);
    expect(rig.tc.unacked.size).toBe(1);
    expect(env.collector.of(rig.deviceId)).toHaveLength(0);
    await env.broker.start();
    const [log] = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(log).toMatchObject({ outcome: 'played', occurrence: iso(start), startedAt: iso(start) });
    await waitFor(() => rig.tc.unacked.size === 0);
  });

  it('a schedule learned after its validity passed (reconnect) is logged "missed", never played late', async () => {
    const rig = await speaker({ t0: T0, playMs: 5_000 });
    await deliver(rig, 1, []);
    await env.broker.stop();
    await rig.clock.advanceSettled(30 * MIN);
    await env.broker.start();
    await waitFor(() => rig.tc.client.connected && env.console.client.connected);
    const passed = item({
      announcement: 'da-qua',
      audio: ref('late1'),
      validityS: 300,
      occurrences: [iso(T0 + 10 * MIN)],
    });
    const stillValid = item({
      announcement: 'con-hieu-luc',
      audio: ref('late2'),
      validityS: 900,
      occurrences: [iso(T0 + 20 * MIN)],
    });
    const coming = item({ announcement: 'sap-toi', audio: ref('late3'), occurrences: [iso(T0 + 40 * MIN)] });
    await deliver(rig, 2, [passed, stillValid, coming]);
    await rig.clock.advanceSettled(15 * MIN);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 3 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['da-qua']).toMatchObject({ outcome: 'missed', reason: 'late' });
    expect(by['con-hieu-luc']).toMatchObject({ outcome: 'played' });
    expect(by['sap-toi']).toMatchObject({ outcome: 'played', startedAt: iso(T0 + 40 * MIN) });
    expect(rig.player.plays.map((p) => p.file.endsWith(passed.audio.sha256))).not.toContain(true);
  });

  it('powered off through the time: "missed" (unit-off) on the next start, and the rest still plays from disk', async () => {
    const id = 'loa-mat-dien';
    const first = await speaker({ id, t0: T0 });
    const during = item({ announcement: 'luc-mat-dien', audio: ref('pw1'), occurrences: [iso(T0 + 10 * MIN)] });
    const after = item({ announcement: 'sau-khi-co-dien', audio: ref('pw2'), occurrences: [iso(T0 + 3 * 60 * MIN)] });
    await deliver(first, 1, [during, after]);
    await first.clock.advanceSettled(2 * MIN);
    await first.kill();
    env.rigs.splice(env.rigs.indexOf(first), 1);
    // back two hours later, with the broker holding nothing new for it
    await env.broker.stop();
    await env.broker.start();
    await waitFor(() => env.collector.client.connected);
    const second = await speaker({ id, t0: T0 + 2 * 60 * MIN, dataDir: first.dataDir });
    expect(second.unit.scheduleVersion).toBe(1);
    await second.clock.advanceSettled(61 * MIN);
    const logs = await waitFor(() => env.collector.of(id).length === 2 && env.collector.of(id));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['luc-mat-dien']).toMatchObject({ outcome: 'missed', reason: 'unit-off', occurrence: iso(T0 + 10 * MIN) });
    expect(by['sau-khi-co-dien']).toMatchObject({ outcome: 'played', startedAt: iso(T0 + 3 * 60 * MIN) });
    expect(second.player.plays).toHaveLength(1);
  });

  it('after a power cut the Pi boots at its last saved time: nothing fires until NTP, then "missed" (unit-off)', async () => {
    const id = 'loa-dong-ho-cu';
    const first = await speaker({ id, t0: T0 });
    await deliver(first, 1, [
      item({ announcement: 'luc-mat-dien', audio: ref('hw1'), occurrences: [iso(T0 + 10 * MIN)] }),
    ]);
    await first.clock.advanceSettled(2 * MIN);
    await first.kill();
    env.rigs.splice(env.rigs.indexOf(first), 1);
    // fake-hwclock restores T0+2min; the real time is two hours later
    const second = await speaker({ id, t0: T0 + 2 * MIN, synced: false, dataDir: first.dataDir });
    await second.clock.advanceSettled(15 * MIN);
    expect(second.player.plays).toHaveLength(0);
    expect(second.relay.on).toBe(false);
    second.clock.setWall(T0 + 2 * 60 * MIN);
    second.time.setSynced(true);
    await second.clock.advanceSettled(1_000);
    const [log] = await waitFor(() => env.collector.of(id).length === 1 && env.collector.of(id));
    expect(log).toMatchObject({ outcome: 'missed', reason: 'unit-off', occurrence: iso(T0 + 10 * MIN) });
    expect(second.player.plays).toHaveLength(0);
  });

  it('a restart does not play or log an occurrence twice', async () => {
    const id = 'loa-khoi-dong-lai';
    const first = await speaker({ id, t0: T0, playMs: 1_000 });
    await deliver(first, 1, [item({ audio: ref('twice'), occurrences: [iso(T0 + 5 * MIN)] })]);
    await first.clock.advanceSettled(6 * MIN);
    await waitFor(() => env.collector.of(id).length === 1);
    await first.stop();
    env.rigs.splice(env.rigs.indexOf(first), 1);
    const second = await speaker({ id, t0: T0 + 6 * MIN, dataDir: first.dataDir });
    await second.clock.advanceSettled(10 * MIN);
    await waitFor(() => second.unit.stats.schedules.unchanged === 1);
    expect(second.player.plays).toHaveLength(0);
    expect(env.collector.of(id)).toHaveLength(1);
  });

  it('without trusted time it plays nothing; once synced it logs "skipped: clock-untrusted"', async () => {
    const rig = await speaker({ t0: T0, synced: false });
    const start = T0 + 10 * MIN;
    await deliver(rig, 1, [item({ audio: ref('ntp'), occurrences: [iso(start)], validityS: 300 })]);
    expect(rig.tc.statuses.at(-1)).toMatchObject({ status: 'accepted', at: null });
    await rig.clock.advanceSettled(30 * MIN);
    expect(rig.player.plays).toHaveLength(0);
    expect(rig.relay.on).toBe(false);
    expect(env.collector.of(rig.deviceId)).toHaveLength(0);
    rig.time.setSynced(true);
    await rig.clock.advanceSettled(1_000);
    const [log] = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(log).toMatchObject({ outcome: 'skipped', reason: 'clock-untrusted', occurrence: iso(start) });
    expect(rig.player.plays).toHaveLength(0);
  });

  it('audio whose bytes do not match its hash is never played: "failed" with the reason', async () => {
    const rig = await speaker({ t0: T0 });
    const good = ref('hash-good');
    env.audio.files.set(good.sha256, audioBytes('hash-evil'));
    const start = T0 + 5 * MIN;
    await env.console.publish(
      rig.deviceId,
      signSchedule(scheduleDoc(rig.deviceId, 1, [item({ audio: good, occurrences: [iso(start)] })]), KEYS.privateKey),
    );
    await waitFor(() => rig.unit.stats.audioPrefetchFailures === 1);
    await rig.clock.advanceSettled(10 * MIN);
    const [log] = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(log.outcome).toBe('failed');
    expect(log.reason).toMatch(/^audio-hash-mismatch/);
    expect(rig.player.plays).toHaveLength(0);
    expect(rig.relay.on).toBe(false);
  });
});
