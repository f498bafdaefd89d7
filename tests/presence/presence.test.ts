import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { topicFor } from '../../devices/topics.ts';
import { testDatabase } from '../harness/influx.ts';
import { PresenceScene, SimDevice, waitFor, type PresenceRig } from './harness.ts';

/** Simulated devices over a real aedes and a real InfluxDB, through the real collector, its wall clock driven by the test. */
const scene = new PresenceScene(testDatabase('presence'), { offlineAlertAfterS: 300, offlineGraceS: 60 });
const { broker, clock, watcher, devices } = scene;
const { influx, database } = scene.db;
const S = 1000;
const BOX = 'xa1-quay1-box'; // with a last will
const LOA = 'xa1-ap1-loa'; // no last will (a power cut / 4G drop says nothing)
const DEAD = 'xa1-ap2-loa'; // reports once, then loses power without a will
let registry: Registry;
let rig: PresenceRig;
const alerts = watcher.alerts;

type Row = { time: Date; online: number; source: string };
const presence = (device: string) =>
  influx
    .query<Row>(`SELECT "online", "source" FROM "presence" WHERE "device" = '${device}'`, { database })
    .then((r) => [...r]);
const states = (device: string) =>
  influx
    .query<Record<string, unknown>>(`SELECT * FROM "device_state" WHERE "device" = '${device}'`, { database })
    .then((r) => [...r]);
const alertRows = (device: string) =>
  influx
    .query<Record<string, unknown>>(`SELECT * FROM "alert" WHERE "device" = '${device}'`, { database })
    .then((r) => [...r]);

function device(id: string, noWill = false): SimDevice {
  const d = new SimDevice(id, broker.url, { noWill });
  devices.push(d);
  return d;
}

/** Publish a heartbeat and wait until the collector stored it. */
async function beat(d: SimDevice, extra: Record<string, unknown> = {}, at?: string | null): Promise<void> {
  const before = (await states(d.id)).length;
  await d.heartbeat(extra, at === undefined ? new Date(clock.now()).toISOString() : at);
  await waitFor(async () => (await states(d.id)).length > before, 20_000, `heartbeat of ${d.id} stored`);
}

/** Let time pass in steps shorter than a heartbeat gap, the live devices beating at each step, sweeping as we go. */
const alive = new Set<SimDevice>();
async function pass(seconds: number): Promise<void> {
  for (let left = seconds; left > 0; left -= 50) {
    clock.advance(Math.min(50, left) * S);
    for (const d of alive) await beat(d);
    await rig.presence.sweep();
  }
}

beforeAll(async () => {
  await influx.createDatabase(database);
  registry = parseRegistry(
    (await demoRegistry({ hamletsPerCommune: 2, countersPerCommune: 1, cost: { N: 1024, r: 8, p: 1 } })).yaml,
  );
  rig = await scene.open(registry);
});

afterAll(() => scene.close(rig));

describe('presence with simulated devices', () => {
  let box: SimDevice;
  let loa: SimDevice;

  it('seeds every registered device as down, then one online transition per device however often it reports', async () => {
    for (const id of [BOX, LOA, DEAD]) expect(await presence(id)).toMatchObject([{ online: 0, source: 'registered' }]);
    box = device(BOX);
    loa = device(LOA, true);
    await box.connect();
    await loa.connect();
    alive.add(loa);
    for (let i = 0; i < 2; i++) {
      await beat(box);
      await beat(loa);
    }
    for (const id of [BOX, LOA]) {
      const rows = await presence(id);
      expect(rows.map((r) => r.online)).toEqual([0, 1]);
    }
  });

  it('a device whose connection dies fires its will: offline once after the grace, one alert, one recovery', async () => {
    box.cut();
    await waitFor(() => rig.presence.tracker.get(BOX)?.pendingOfflineAt != null, 20_000, 'will received');
    const willAt = rig.presence.tracker.get(BOX)!.pendingOfflineAt!;
    clock.advance(30 * S);
    await rig.presence.sweep();
    expect((await presence(BOX)).map((r) => r.online)).toEqual([0, 1]); // still within the grace
    clock.advance(31 * S);
    await beat(loa);
    await rig.presence.sweep();
    await rig.presence.sweep();
    const rows = await presence(BOX);
    expect(rows.map((r) => [r.online, r.source])).toEqual([
      [0, 'registered'],
      [1, 'availability'],
      [0, 'availability'],
    ]);
    expect(rows[2].time.getTime()).toBe(willAt);

    await pass(300);
    await waitFor(
      () => alerts.some((a) => a.kind === 'offline' && a.state === 'raised' && a.message.includes(BOX)),
      20_000,
      'alert published',
    );
    expect(await alertRows(BOX)).toMatchObject([{ alert: 'offline', state: 'raised', open: 1 }]);

    box = device(BOX);
    await box.connect();
    alive.add(box);
    await waitFor(async () => (await presence(BOX)).length === 4, 20_000, 'back online');
    await waitFor(async () => (await alertRows(BOX)).length === 2, 20_000, 'recovered stored');
    const [raised, recovered] = await alertRows(BOX);
    expect([raised.state, recovered.state, recovered.incident]).toEqual(['raised', 'recovered', raised.id]);
    await waitFor(
      () => alerts.some((a) => a.state === 'recovered' && a.incident === raised.id),
      20_000,
      'recovery published',
    );
  });

  it('a device that goes silent without a will is declared offline once, dated at its last heartbeat', async () => {
    const dead = device(DEAD, true);
    await dead.connect();
    await beat(dead);
    const lastSeen = rig.presence.tracker.get(DEAD)!.lastSeen!;
    dead.cut();
    await pass(200);
    expect((await presence(DEAD)).map((r) => r.online)).toEqual([0, 1]);
    await pass(20);
    await rig.presence.sweep();
    const rows = await presence(DEAD);
    expect(rows.map((r) => [r.online, r.source])).toEqual([
      [0, 'registered'],
      [1, 'availability'],
      [0, 'silence'],
    ]);
    expect(rows[2].time.getTime()).toBe(lastSeen);
  });

  it('clock-skewed heartbeats move nothing: presence and device_state use the receive time', async () => {
    const before = await states(LOA);
    await beat(loa, {}, '2020-01-01T00:00:00.000Z');
    await beat(loa, {}, '2031-06-01T00:00:00.000Z');
    await beat(loa, {}, null);
    const rows = await states(LOA);
    const fresh = rows.slice(before.length);
    expect(fresh).toHaveLength(3);
    for (const r of fresh) expect(Math.abs((r.time as Date).getTime() - clock.now())).toBeLessThan(60 * S);
    expect(fresh[0].clock_offset_s as number).toBeLessThan(-1e8);
    expect(fresh[1].clock_offset_s as number).toBeGreaterThan(1e8);
    expect(fresh[2].clock_offset_s).toBeNull();
    expect((await presence(LOA)).map((r) => r.online)).toEqual([0, 1]);
  });

  it('stores speaker health: relay, last successful play, player errors', async () => {
    await beat(loa, {
      speaker: { relay: 'on', lastPlayAt: '2026-11-25T01:00:00.000Z', playerErrors: 2, scheduleVersion: 7 },
    });
    const last = (await states(LOA)).at(-1)!;
    expect([last.relay_on, last.last_play_at, last.player_errors, last.schedule_version]).toEqual([
      1,
      '2026-11-25T01:00:00.000Z',
      2,
      7,
    ]);
  });

  it('a broker restart (every will fires, every device reconnects) is no offline storm', async () => {
    const offline = async () =>
      (await Promise.all([BOX, LOA].map(presence))).flat().filter((r) => r.online === 0).length;
    const before = await offline();
    const onlineBefore = (await presence(BOX)).length + (await presence(LOA)).length;
    const received = rig.collector.stats().received;
    await broker.restart({ graceful: true });
    // the restarted broker has no session: a message counts once the collector has subscribed again
    const again = () => rig.collector.connected() && rig.collector.stats().received > received;
    await waitFor(() => box.client!.connected && loa.client!.connected && again(), 30_000, 'everyone reconnected');
    await beat(box);
    await beat(loa);
    await pass(150);
    expect(await offline()).toBe(before);
    expect((await presence(BOX)).length + (await presence(LOA)).length).toBe(onlineBefore);
  });

  it('a network blip drops every device at once: the wills are held, the reconnects cancel them, no offline storm', async () => {
    const offline = async () =>
      (await Promise.all([BOX, LOA].map(presence))).flat().filter((r) => r.online === 0).length;
    const before = await offline();
    const cancelled = rig.presence.tracker.counters.cancelledOffline;
    const dropped = [BOX, LOA].map((id) => device(id));
    for (const d of [box, loa]) {
      alive.delete(d);
      d.cut();
    }
    // LOA has no will of its own: give the blip copy one, as every real device has
    await Promise.all(dropped.map((d) => d.connect()));
    [box, loa] = dropped;
    box.cut();
    loa.cut();
    await waitFor(
      () => [BOX, LOA].every((id) => rig.presence.tracker.get(id)?.pendingOfflineAt != null),
      20_000,
      'wills received',
    );
    clock.advance(20 * S);
    await rig.presence.sweep();
    [box, loa] = [device(BOX), device(LOA)];
    await box.connect();
    await loa.connect();
    alive.add(box).add(loa);
    await waitFor(() => rig.presence.tracker.counters.cancelledOffline >= cancelled + 2, 20_000, 'reconnects seen');
    await pass(150);
    expect(await offline()).toBe(before);
  });

  it('a collector restart rebuilds presence from InfluxDB: no duplicate transition, no revived dead device, no repeated alert', async () => {
    const snapshot = async () => ({
      presence: (await Promise.all([BOX, LOA, DEAD].map(presence))).map((r) => r.length),
      alerts: (await Promise.all([BOX, LOA, DEAD].map(alertRows))).map((r) => r.length),
    });
    await pass(300); // DEAD's offline alert
    await waitFor(async () => (await alertRows(DEAD)).at(-1)?.state === 'raised', 20_000, 'dead alert');
    const before = await snapshot();
    await rig.collector.close();
    // a stale retained 'online' (a power cut leaves it on the broker) waits for the next collector
    await watcher.client!.publishAsync(topicFor(DEAD, 'availability'), '{"state":"online"}', { qos: 1, retain: true });
    rig = await scene.startCollector();
    // the broker replays DEAD's retained 'online' and state: neither revives it
    await waitFor(() => rig.collector.stats().received >= 4, 20_000, 'retained replays handled');
    await pass(100);
    expect(await snapshot()).toEqual(before);
    expect(rig.presence.tracker.get(DEAD)!.online).toBe(false);
    const { writeFailures, writeRefused, spoolDropped, spoolFailed } = rig.collector.stats();
    expect([writeFailures, writeRefused, spoolDropped, spoolFailed]).toEqual([0, 0, 0, 0]);
    expect(rig.presence.tracker.counters.retainedIgnored).toBeGreaterThanOrEqual(1);
  });
});
