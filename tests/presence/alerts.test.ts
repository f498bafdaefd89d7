import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presencePoint } from '../../collector/presence/store.ts';
import { closedHalfDays } from '../../collector/presence/silent-box.ts';
import {
  alertsInfluxQL,
  areaCondition,
  openAlerts,
  openAlertsInfluxQL,
  recentAlerts,
} from '../../devices/analytics/alerts.ts';
import { devicesInArea } from '../../devices/analytics/uptime.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { testDatabase } from '../harness/influx.ts';
import { PresenceScene, presenceStore, SimDevice, waitFor, type PresenceRig } from './harness.ts';

/**
 * Silent-box and camera-down alerts. The collector's clock is set to Wednesday 2026-11-25 12:00 Vietnam time
 * (05:00Z), after the counters' morning session (07:00–11:30 = 00:00Z–04:30Z).
 */
const scene = new PresenceScene(testDatabase('alerts'), { cameraAlertAfterS: 120 });
const { broker, clock, watcher, devices } = scene;
const { url, influx, database } = scene.db;
const S = 1000;
const NOON = Date.parse('2026-11-25T05:00:00Z');
const SILENT = 'xa1-quay1-box'; // online all morning, no rating
const BUSY = 'xa1-quay2-box'; // online all morning, one rating
const OFF = 'xa1-quay3-box'; // never reported
let registry: Registry;
let rig: PresenceRig;
const published = watcher.alerts;

beforeAll(async () => {
  clock.offset = NOON - Date.now();
  registry = parseRegistry(
    (await demoRegistry({ hamletsPerCommune: 1, countersPerCommune: 3, cost: { N: 1024, r: 8, p: 1 } })).yaml,
  );
  const tags = (id: string) => registry.deviceTags(registry.device(id)!);
  const before = Date.parse('2026-11-24T23:00:00Z'); // 06:00 Vietnam time, before opening
  await (await presenceStore(url, database)).writePoints([
    presencePoint(tags(SILENT), { online: true, at: before, source: 'availability' }),
    presencePoint(tags(BUSY), { online: true, at: before, source: 'availability' }),
    {
      measurement: 'rating',
      tags: tags(BUSY),
      fields: { value: 4, id: 'r1' },
      timestamp: new Date('2026-11-25T02:00:00Z'),
    },
  ]);
  rig = await scene.open(registry);
});

afterAll(() => scene.close(rig));

describe('silent box', () => {
  it('devicesInArea selects registry devices by area and kind (for uptime())', () => {
    expect(devicesInArea(registry, { commune: '90001', kind: 'rating-box' })).toEqual([SILENT, BUSY, OFF]);
    expect(devicesInArea(registry, { commune: '90002' })).toEqual([]);
    expect(devicesInArea(registry, { province: '99' })).toHaveLength(4);
  });

  it('half-days come from the counter opening hours in Vietnam time', () => {
    const hours = registry.device(SILENT)!.counter!.openingHours;
    expect(closedHalfDays(hours, NOON, 210 * S).map((h) => h.subject)).toEqual([
      '2026-11-24 13:30-17:00',
      '2026-11-25 07:00-11:30',
    ]);
    expect(closedHalfDays(hours, Date.parse('2026-11-25T04:31:00Z'), 210 * S).map((h) => h.subject)).toEqual([
      '2026-11-24 13:30-17:00',
    ]);
  });

  it('a box online through a whole half-day without a rating raises one silent-box alert, once, across restarts', async () => {
    await rig.presence.sweep();
    await rig.presence.sweep();
    await waitFor(() => published.some((a) => a.kind === 'silent-box'), 20_000, 'silent-box published');
    const rows = await recentAlerts(influx, database, { commune: '90001' });
    const silent = rows.filter((r) => r.kind === 'silent-box');
    expect(silent.map((r) => [r.device, r.state, r.subject])).toEqual([[SILENT, 'raised', '2026-11-25 07:00-11:30']]);
    expect(silent[0].message).toContain('không ghi nhận đánh giá');

    await rig.collector.close();
    rig = await scene.startCollector();
    await rig.presence.sweep();
    expect((await recentAlerts(influx, database)).filter((r) => r.kind === 'silent-box')).toHaveLength(1);
    expect((await openAlerts(influx, database, { device: SILENT })).map((r) => r.kind)).toEqual(['silent-box']);
    expect(published.filter((a) => a.kind === 'silent-box')).toHaveLength(1);
  });

  it('a later half-day with ratings recovers it', async () => {
    const tags = registry.deviceTags(registry.device(SILENT)!);
    await influx.writePoints(
      [{ measurement: 'rating', tags, fields: { value: 3, id: 'r2' }, timestamp: new Date('2026-11-25T07:00:00Z') }],
      { database, precision: 'ms' },
    );
    clock.offset = Date.parse('2026-11-25T10:05:00Z') - Date.now(); // 17:05 Vietnam time
    await rig.presence.sweep();
    const silent = (await recentAlerts(influx, database, { device: SILENT })).filter((r) => r.kind === 'silent-box');
    expect(silent.map((r) => r.state)).toEqual(['recovered', 'raised']); // newest first
    expect(silent[0].incident).toBe(silent[1].id);
    expect(await openAlerts(influx, database, { device: SILENT, commune: '90001' })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ kind: 'silent-box' })]),
    );
  });

  it('the dashboards queries list the records and the alerts open now', async () => {
    const open = await influx.query<{ device: string; alert: string; open: number }>(
      openAlertsInfluxQL({ where: areaCondition({ commune: '90001' }) }),
      { database },
    );
    const openKeys = open.map((r) => `${r.device}/${r.alert}`);
    expect(openKeys).not.toContain(`${SILENT}/silent-box`); // recovered
    expect(openKeys).toContain(`${OFF}/offline`); // never reported, still down
    const all = await influx.query<{ alert: string; state: string }>(
      alertsInfluxQL().replace('$timeFilter', 'time > 0'),
      { database },
    );
    expect(all.filter((r) => r.alert === 'silent-box').map((r) => r.state)).toEqual(['recovered', 'raised']);
  });

  it('raises nothing for a box with ratings or a box that was not online', async () => {
    const rows = await recentAlerts(influx, database);
    expect(rows.filter((r) => r.kind === 'silent-box' && r.device !== SILENT)).toEqual([]);
    expect(rows.filter((r) => r.device === OFF).map((r) => r.kind)).not.toContain('silent-box');
  });
});

describe('camera down', () => {
  it('a camera down longer than the threshold raises camera-down once; its return recovers it; a foreign camera is refused', async () => {
    const box = new SimDevice(BUSY, broker.url);
    devices.push(box);
    await box.connect();
    const count = async (q: string) => (await influx.query(q, { database })).length;
    const beat = async () => {
      const n = await count(`SELECT * FROM "device_state" WHERE "device" = '${BUSY}'`);
      await box.heartbeat({}, new Date(clock.now()).toISOString());
      await waitFor(
        async () => (await count(`SELECT * FROM "device_state" WHERE "device" = '${BUSY}'`)) > n,
        20_000,
        'heartbeat stored',
      );
    };
    await beat();
    /** what the collector made of one probe: stored, or refused with its reason */
    const probe = async (camera: string, up: boolean) => {
      const refused = () => rig.collector.stats().rejected['camera-unknown'] ?? 0;
      const stored = () => count(`SELECT * FROM "camera_status" WHERE "camera" = '${camera}'`);
      const [r, n] = [refused(), await stored()];
      await box.publish('camera', {
        v: 1,
        camera,
        at: new Date(clock.now()).toISOString(),
        up,
        ...(up ? { latencyMs: 12 } : { error: 'timeout' }),
      });
      return waitFor(
        async () => (refused() > r ? { reject: 'camera-unknown' } : (await stored()) > n && { stored: camera }),
        20_000,
        'probe handled',
      );
    };
    expect(await probe('xa1-cam1', false)).toMatchObject({ reject: 'camera-unknown' });
    await probe('xa1-cam2', false);
    for (let i = 0; i < 3; i++) {
      clock.advance(50 * S);
      await beat();
      await probe('xa1-cam2', false);
      await rig.presence.sweep();
    }
    await waitFor(
      () => published.some((a) => a.kind === 'camera-down' && a.state === 'raised'),
      20_000,
      'camera-down published',
    );
    await probe('xa1-cam2', true);
    await waitFor(
      () => published.some((a) => a.kind === 'camera-down' && a.state === 'recovered'),
      20_000,
      'camera recovery published',
    );
    const rows = (await recentAlerts(influx, database, { device: BUSY })).filter((r) => r.kind === 'camera-down');
    expect(rows.map((r) => [r.state, r.subject])).toEqual([
      ['recovered', 'xa1-cam2'],
      ['raised', 'xa1-cam2'],
    ]);
    const status = await influx.query<{ up: number; error: string | null }>(
      `SELECT "up", "error" FROM "camera_status" WHERE "camera" = 'xa1-cam2'`,
      { database },
    );
    expect(status.map((r) => r.up)).toEqual([0, 0, 0, 0, 1]);
    expect(status[0].error).toBe('timeout');
  });
});
