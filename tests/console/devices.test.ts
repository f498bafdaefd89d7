import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IPoint } from 'influx';
import type { Browser, Page } from 'playwright-core';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { testDatabase } from '../harness/influx.ts';
import { consoleEnv, PASSWORD, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { launchChromium, signIn } from '../support/chromium.ts';

/**
 * GET /api/devices and /api/alerts against a real InfluxDB seeded with what the collector writes
 * (presence, device_state, camera_status, alert), on a fixed clock so uptime fractions are hand-computed.
 */
const H = 3_600_000;
const D = 24 * H;
const NOW = Date.parse('2026-11-20T05:00:00Z'); // 12:00 Vietnam time
const T0 = Date.parse('2026-11-19T17:00:00Z'); // Vietnam midnight starting "today"
const W = T0 - 6 * D; // first of the last 7 Vietnam days
const WEEK_H = 6 * 24 + 12; // hours from W to NOW

type Row = {
  id: string;
  kind: string;
  place: string;
  commune: string;
  online: boolean | null;
  lastSeen: string | null;
  uptimeToday: number;
  uptime7d: number;
};

let env: Env;
let db: ReturnType<typeof testDatabase>;

function tagsOf(id: string): Record<string, string> {
  const e = env.registry.device(id);
  if (!e) throw new Error(`no device ${id}`);
  return { ...env.registry.deviceTags(e) };
}

const presence = (id: string, at: number, online: 0 | 1, source = 'availability'): IPoint => ({
  measurement: MEASUREMENTS.presence,
  tags: tagsOf(id),
  fields: { online, source },
  timestamp: new Date(at),
});
const heartbeat = (id: string, at: number): IPoint => ({
  measurement: MEASUREMENTS.deviceState,
  tags: tagsOf(id),
  fields: { uptime_s: 100, outbox_depth: 0 },
  timestamp: new Date(at),
});
const probe = (box: string, camera: string, at: number, up: 0 | 1): IPoint => ({
  measurement: MEASUREMENTS.camera,
  tags: { ...tagsOf(box), camera },
  fields: { up, latency_ms: 12 },
  timestamp: new Date(at),
});
function alert(
  id: string,
  device: string,
  kind: string,
  state: 'raised' | 'recovered',
  at: number,
  o: { incident?: string; subject?: string; since?: number } = {},
): IPoint {
  return {
    measurement: MEASUREMENTS.alert,
    tags: { ...tagsOf(device), alert: kind, state, ...(o.subject ? { subject: o.subject } : {}) },
    fields: {
      id,
      incident: o.incident ?? id,
      message: `cảnh báo ${id}`,
      since: o.since ? new Date(o.since).toISOString() : '',
      open: state === 'raised' ? 1 : 0,
    },
    timestamp: new Date(at),
  };
}

beforeAll(async () => {
  db = testDatabase('console_dev');
  const clock = new FakeClock(NOW);
  env = await consoleEnv({ influx: { url: db.url, database: db.database } }, clock);
  await db.influx.createDatabase(db.database);
  await db.influx.writePoints(
    [
      // box: up since before the week, down 2 h .. 5 h today, up again; a point after "now" must not count
      presence('xa1-quay1-box', W - D, 1),
      presence('xa1-quay1-box', T0 + 2 * H, 0),
      presence('xa1-quay1-box', T0 + 5 * H, 1),
      presence('xa1-quay1-box', NOW + H, 0),
      heartbeat('xa1-quay1-box', NOW - 30_000),
      // speaker 1: up from 3 days before today until 06:00 today
      presence('xa1-ap1-loa', T0 - 3 * D, 1),
      heartbeat('xa1-ap1-loa', T0 + 6 * H - 60_000),
      presence('xa1-ap1-loa', T0 + 6 * H, 0, 'silence'),
      // speaker 2: registered, never reported; speaker 3: nothing at all
      presence('xa1-ap2-loa', W + D, 0, 'registered'),
      // camera: two up probes in the last 100 s
      probe('xa1-quay1-box', 'xa1-cam1', NOW - 100_000, 1),
      probe('xa1-quay1-box', 'xa1-cam1', NOW - 40_000, 1),
      // the other commune: always up
      presence('xa2-quay1-box', W - D, 1),
      // alerts
      alert('a4', 'xa1-quay1-box', 'camera-down', 'raised', T0 + H, { subject: 'xa1-cam1', since: T0 + H - 120_000 }),
      alert('a2', 'xa1-quay1-box', 'offline', 'raised', T0 + 2 * H + 5 * 60_000, { since: T0 + 2 * H }),
      alert('a3', 'xa1-quay1-box', 'offline', 'recovered', T0 + 5 * H, { incident: 'a2', since: T0 + 2 * H }),
      alert('a1', 'xa1-ap1-loa', 'offline', 'raised', T0 + 6 * H + 5 * 60_000, { since: T0 + 6 * H }),
      alert('a5', 'xa2-ap1-loa', 'offline', 'raised', T0 + 7 * H, { since: T0 + 7 * H }),
    ],
    { database: db.database },
  );
});

const byId = (rows: Row[]) => new Map(rows.map((r) => [r.id, r]));

describe('GET /api/devices', () => {
  it("gives staff their commune's devices and cameras with presence and hand-computed uptime", async () => {
    const token = await env.login('canbo1');
    const r = await env.api(token, 'GET', '/api/devices');
    expect(r.status).toBe(200);
    const rows = byId(r.body.items as Row[]);
    expect([...rows.keys()].sort()).toEqual(['xa1-ap1-loa', 'xa1-ap2-loa', 'xa1-ap3-loa', 'xa1-cam1', 'xa1-quay1-box']);

    const box = rows.get('xa1-quay1-box')!;
    expect(box).toMatchObject({
      kind: 'rating-box',
      commune: '90001',
      online: true,
      lastSeen: new Date(NOW - 30_000).toISOString(),
    });
    expect(box.place).toBe(env.registry.communes.get('90001')!.commune.counters[0].name);
    expect(box.uptimeToday).toBeCloseTo(9 / 12, 9); // 12 h today, down 3 h
    expect(box.uptime7d).toBeCloseTo((WEEK_H - 3) / WEEK_H, 9);

    const loa1 = rows.get('xa1-ap1-loa')!;
    expect(loa1).toMatchObject({
      kind: 'speaker',
      online: false,
      lastSeen: new Date(T0 + 6 * H - 60_000).toISOString(),
    });
    expect(loa1.place).toBe(env.registry.communes.get('90001')!.commune.hamlets[0].name);
    expect(loa1.uptimeToday).toBeCloseTo(6 / 12, 9);
    expect(loa1.uptime7d).toBeCloseTo((3 * 24 + 6) / WEEK_H, 9);

    expect(rows.get('xa1-ap2-loa')).toMatchObject({ online: false, lastSeen: null, uptimeToday: 0, uptime7d: 0 });
    expect(rows.get('xa1-ap3-loa')).toMatchObject({ online: null, lastSeen: null, uptimeToday: 0, uptime7d: 0 });

    const cam = rows.get('xa1-cam1')!;
    expect(cam).toMatchObject({ kind: 'camera', online: true, lastSeen: new Date(NOW - 40_000).toISOString() });
    expect(cam.uptimeToday).toBeCloseTo(100 / (12 * 3600), 9);
    expect(cam.uptime7d).toBeCloseTo(100 / (WEEK_H * 3600), 9);
  });

  it("keeps another commune's devices from staff, and shows the district both communes", async () => {
    const other = await env.api(await env.login('canbo2'), 'GET', '/api/devices');
    expect(other.status).toBe(200);
    const ids = (other.body.items as Row[]).map((d) => d.id);
    expect(ids.length).toBe(5);
    expect(ids.every((id) => id.startsWith('xa2-'))).toBe(true);
    const xa2box = byId(other.body.items as Row[]).get('xa2-quay1-box')!;
    expect(xa2box.uptimeToday).toBe(1);
    expect(xa2box.uptime7d).toBe(1);

    const district = await env.api(await env.login('huyen'), 'GET', '/api/devices');
    expect(district.status).toBe(200);
    const rows = byId(district.body.items as Row[]);
    expect(rows.size).toBe(10);
    expect(rows.get('xa1-quay1-box')!.uptimeToday).toBeCloseTo(0.75, 9);
    expect(rows.get('xa2-quay1-box')!.online).toBe(true);
  });

  it('refuses without a session', async () => {
    const r = await env.api(null, 'GET', '/api/devices');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('GET /api/alerts', () => {
  it('lists open alerts oldest first and recent ones newest first, with Vietnamese labels, for the own commune', async () => {
    const r = await env.api(await env.login('canbo1'), 'GET', '/api/alerts');
    expect(r.status).toBe(200);
    const { open, recent } = r.body as { open: any[]; recent: any[] };
    expect(open.map((a) => a.id)).toEqual(['a4', 'a1']);
    expect(recent.map((a) => a.id)).toEqual(['a1', 'a3', 'a2', 'a4']);
    const a4 = open[0];
    expect(a4).toMatchObject({
      kind: 'camera-down',
      kindLabel: 'Camera không hoạt động',
      state: 'raised',
      stateLabel: 'Đang báo',
      subject: 'xa1-cam1',
      open: true,
    });
    expect(a4.place).toContain('Camera quầy 1');
    expect(recent[1]).toMatchObject({
      id: 'a3',
      kindLabel: 'Mất kết nối',
      stateLabel: 'Đã khôi phục',
      incident: 'a2',
      open: false,
    });
    expect(recent[2]).toMatchObject({ id: 'a2', open: false });
  });

  it('shows the district the alerts of both communes', async () => {
    const r = await env.api(await env.login('huyen'), 'GET', '/api/alerts');
    expect(r.status).toBe(200);
    expect(r.body.open.map((a: { id: string }) => a.id)).toEqual(['a4', 'a1', 'a5']);
    expect(r.body.recent.length).toBe(5);
    const other = await env.api(await env.login('canbo2'), 'GET', '/api/alerts');
    expect(other.body.recent.map((a: { id: string }) => a.id)).toEqual(['a5']);
  });
});

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

async function openDevicesTab(url: string, username: string): Promise<Page> {
  browser ??= await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await signIn(page, username, PASSWORD);
  await page.click('#tabs button[data-view=devices-view]');
  return page;
}

describe('the "Thiết bị" tab', () => {
  it('shows the devices with Vietnamese status and percentages, and the alerts open first', async () => {
    const page = await openDevicesTab(env.console.url, 'canbo1');
    await page.waitForFunction(() => document.querySelectorAll('#devices-table tbody tr').length === 5, null, {
      timeout: 30_000,
    });
    const rows = await page.$$eval('#devices-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    const row = (title: string) => rows.find((r) => r[1]?.startsWith(title))!;
    const reg = env.registry.communes.get('90001')!.commune;
    expect(row(reg.counters[0].name)).toEqual([
      expect.any(String),
      expect.any(String),
      'đang hoạt động',
      expect.any(String),
      '75 %',
      expect.stringMatching(/^98,1 %$/),
    ]);
    expect(row(reg.hamlets[0].name).slice(2)).toEqual(['mất kết nối', expect.any(String), '50 %', '50 %']);
    expect(row(reg.hamlets[2].name).slice(2)).toEqual(['chưa rõ', '—', '0 %', '0 %']);
    await page.waitForFunction(() => document.querySelectorAll('#alerts-list li').length === 4, null, {
      timeout: 30_000,
    });
    const alerts = await page.$$eval('#alerts-list li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(alerts[0]).toMatch(/^Đang báo: Camera không hoạt động/);
    expect(alerts[1]).toMatch(/^Đang báo: Mất kết nối/);
    expect(alerts.slice(2).some((t) => t.startsWith('Đã khôi phục: Mất kết nối'))).toBe(true);
    // online now but seldom this week (the camera): the server's explanation under the status
    const note = await page.textContent('#devices-table tr[data-device="xa1-cam1"] .warn-note');
    expect(note).toMatch(/^Đang kết nối lúc này, nhưng chỉ hoạt động 0 % thời gian trong 7 ngày qua/);
    // the view is a component of the UI, the old DOM module is gone
    expect(await page.$$eval('#app #devices-view #devices-table', (t) => t.length)).toBe(1);
    expect(await page.$$eval('#devices-view', (s) => s.length)).toBe(1);
    expect((await fetch(`${env.console.url}/devices.js`)).status).toBe(404);
  });
});

describe('without influx configured', () => {
  let bare: Env;
  beforeAll(async () => {
    bare = await consoleEnv();
  });

  it('shows the 503 message in the tab', async () => {
    const page = await openDevicesTab(bare.console.url, 'canbo1');
    await page.waitForSelector('#message:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#message')).toMatch(/InfluxDB/);
  });

  it('answers 503 INFLUX_UNCONFIGURED with a Vietnamese message', async () => {
    const token = await bare.login('canbo1');
    for (const path of ['/api/devices', '/api/alerts']) {
      const r = await bare.api(token, 'GET', path);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('INFLUX_UNCONFIGURED');
      expect(r.body.error.message).toMatch(/InfluxDB/);
    }
  });
});
