import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_DIR } from '../../dashboards/build.ts';
import { Q } from '../../dashboards/queries.ts';
import { decision766 } from '../../devices/analytics/decision766.ts';
import { produceReport } from '../../console/report/produce.ts';
import { runPanel, runVariable, type Ctx, type Panel } from '../dashboards/grafana-sim.ts';
import { testDatabase } from '../harness/influx.ts';
import { consoleEnv, PASSWORD, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import {
  A,
  B,
  C,
  END,
  EXPECTED,
  FROM,
  NOW,
  OFFICER,
  PROVINCE,
  seedPoints,
  seedWithDailyAggregates,
  START,
  TO,
  UNITS,
} from './satisfaction-seed.ts';

/**
 * The "Mức độ hài lòng" API on seeded InfluxDB with hand-computed answers; the same figures from the Grafana
 * panels' queries (raw points) and from the review report (one definition per number); who sees what. The
 * console and the report read the closed days of the period from the daily aggregates (rating-counts.ts).
 */
let env: Env;
let db: ReturnType<typeof testDatabase>;
const custom = `period=custom&from=${FROM}&to=${TO}`;

beforeAll(async () => {
  db = testDatabase('console_sat');
  env = await consoleEnv({ influx: { url: db.url, database: db.database } }, new FakeClock(NOW), {
    units: UNITS,
    province: PROVINCE,
    withDistrict: false,
  });
  // as the collector sets it up: raw policy plus the daily aggregates, which the console reads for closed days
  await seedWithDailyAggregates(db, seedPoints(env.registry));
});

const get = async (user: string, path: string) => env.api(await env.login(user), 'GET', path);
/** the report code's own run over the province and period the console is asked about, on the same InfluxDB */
const provinceReport = (extra: Pick<Parameters<typeof produceReport>[0], 'service'> = {}) =>
  produceReport({
    registry: env.registry,
    area: PROVINCE.code,
    from: FROM,
    to: TO,
    influxUrl: db.url,
    database: db.database,
    now: NOW,
    ...extra,
  });

describe('GET /api/satisfaction/ranking', () => {
  it('ranks every commune of the province by the shrunk index, with counts, change and flags', async () => {
    const r = await get('huyen', `/api/satisfaction/ranking?area=${PROVINCE.code}&${custom}`);
    expect(r.status).toBe(200);
    expect(r.body.area.name).toBe('Tỉnh Vĩnh Long');
    expect(r.body.period.text).toBe('02/11/2026 – 15/11/2026');
    expect(r.body.period.previousText).toBe('19/10/2026 – 01/11/2026');
    const rows = r.body.rows as any[];
    expect(rows.map((x) => x.code)).toEqual(EXPECTED.order);
    expect(rows.map((x) => x.name)).toEqual(['Phường Phú Khương', 'Phường An Hội', 'Xã Giao Long']);
    for (const x of rows) {
      expect(x.n).toBe(EXPECTED.n[x.code]);
      expect(x.index).toBeCloseTo(EXPECTED.index[x.code], 9);
      expect(x.shrunk).toBeCloseTo(EXPECTED.shrunk[x.code], 9);
      if (EXPECTED.change[x.code] === null) expect(x.change).toBeNull();
      else expect(x.change).toBeCloseTo(EXPECTED.change[x.code]!, 9);
    }
    // B has the best raw index but only 5 ratings: shrunk below A, flagged
    expect(rows.map((x) => x.fewRatings)).toEqual([false, true, false]);
    expect(rows.map((x) => x.silentBoxes.length)).toEqual([2, 0, 0]);
    expect(r.body.n).toBe(185);
  });

  it('a commune user sees only their own commune, even when asking for the province', async () => {
    const r = await get('canbo1', `/api/satisfaction/ranking?area=${PROVINCE.code}&${custom}`);
    expect(r.status).toBe(200);
    expect(r.body.rows.map((x: any) => x.code)).toEqual([A]);
    const areas = await get('canbo1', '/api/satisfaction/areas');
    expect(areas.body.communes).toEqual([{ code: A, name: 'Phường Phú Khương' }]);
    expect((await get('canbo1', `/api/satisfaction/commune/${B}?${custom}`)).body.error.code).toBe('FORBIDDEN_COMMUNE');
    expect((await get('huyen', `/api/satisfaction/ranking?area=01&${custom}`)).body.error.code).toBe('AREA_UNKNOWN');
  });

  it('an area user sees only the communes of their area, ranked among themselves', async () => {
    await env.console.users.create(
      { username: 'vung', role: 'district', communes: [A, C], password: PASSWORD },
      'test',
    );
    const r = await get('vung', `/api/satisfaction/ranking?area=${PROVINCE.code}&${custom}`);
    expect(r.body.rows.map((x: any) => x.code)).toEqual([A, C]);
    // shrunk toward the pooled mean of exactly A and C: (60 + 60) / (80 + 100)
    const p0 = 120 / 180;
    expect(r.body.rows[0].shrunk).toBeCloseTo((100 * (60 + 50 * p0)) / 130, 9);
    expect(r.body.n).toBe(180);
    expect((await get('vung', `/api/satisfaction/commune/${B}?${custom}`)).body.error.code).toBe('FORBIDDEN_COMMUNE');
    expect((await get('vung', '/api/satisfaction/areas')).body.communes.map((c: any) => c.code)).toEqual([A, C]);
    // the province's appendix is the whole province or nothing
    expect(
      (await get('vung', `/api/satisfaction/report?area=${PROVINCE.code}&from=${FROM}&to=${TO}`)).body.error.code,
    ).toBe('FORBIDDEN_COMMUNE');
  });

  it('refuses bad periods with a coded error, never a crash', async () => {
    for (const q of [
      'period=custom&from=2026-02-30&to=2026-03-01',
      'period=custom&from=2026-11-15&to=2026-11-01',
      'period=decade',
      'period=custom&from=x&to=y',
      'period=custom&from=2020-01-01&to=2026-01-01',
    ]) {
      const r = await get('huyen', `/api/satisfaction/ranking?area=${PROVINCE.code}&${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('PERIOD_INVALID');
    }
    expect((await env.api(null, 'GET', `/api/satisfaction/ranking?${custom}`)).status).toBe(401);
  });

  it('bad commune codes and appendix requests get a coded error; the areas answer carries the labels', async () => {
    const code = async (path: string) => {
      const r = await get('huyen', path);
      return `${r.status} ${r.body?.error?.code}`;
    };
    expect(await code(`/api/satisfaction/commune/${encodeURIComponent("x' OR '1")}?${custom}`)).toBe(
      '400 INVALID_INPUT',
    );
    expect(await code(`/api/satisfaction/commune/${A}?period=custom&from=2026-11-02&to=15/11/2026`)).toBe(
      '400 PERIOD_INVALID',
    );
    expect(await code(`/api/satisfaction/report?area=${PROVINCE.code}&to=${TO}`)).toBe('400 INVALID_INPUT');
    expect(await code(`/api/satisfaction/report?area=${PROVINCE.code}&from=02/11/2026&to=${TO}`)).toBe(
      '400 PERIOD_INVALID',
    );
    const areas = (await get('huyen', '/api/satisfaction/areas')).body;
    expect(areas.periods.map((p: { label: string }) => p.label)).toEqual([
      'Tuần này',
      'Tháng này',
      'Quý này',
      'Năm nay',
      'Tùy chọn',
    ]);
    expect(areas.levels[3]).toEqual({ key: 'khong-hai-long', label: 'Không hài lòng' });
    expect(areas.weekdays[6]).toBe('Chủ nhật');
    const detail = (await get('huyen', `/api/satisfaction/commune/${A}?${custom}`)).body;
    expect(detail.devices.map((d: { stateLabel: string }) => d.stateLabel)).toContain('chưa rõ');
  });
});

describe('GET /api/satisfaction/commune/:code', () => {
  it('gives trends, counters, heat map, level shares, lockout rejections and uptime', async () => {
    const r = await get('lanhdao1', `/api/satisfaction/commune/${A}?${custom}`);
    expect(r.status).toBe(200);
    const d = r.body;
    expect([d.name, d.n, d.index, d.previous.n, d.previous.index]).toEqual(['Phường Phú Khương', 80, 75, 10, 100]);
    expect(d.counts).toEqual({ 'rat-hai-long': 40, 'hai-long': 20, 'binh-thuong': 5, 'khong-hai-long': 15 });
    expect(d.weekly.map((w: any) => [w.start, w.n, w.index])).toEqual([
      [new Date(START).toISOString(), 60, (100 * 50) / 60],
      [new Date(START + 7 * 86_400_000).toISOString(), 20, 50],
    ]);
    expect(d.monthly.map((m: any) => [m.start, m.n, m.index])).toEqual([
      [new Date(Date.parse('2026-11-01T00:00:00+07:00')).toISOString(), 80, 75],
    ]);
    expect(d.counters.map((c: any) => ({ key: c.key, n: c.n, index: c.index }))).toEqual(EXPECTED.countersA);
    expect(d.heatMap.map((c: any) => ({ weekday: c.weekday, hour: c.hour, n: c.n, satisfied: c.satisfied }))).toEqual(
      EXPECTED.heatA,
    );
    expect([d.accepted, d.rejectedLockout]).toEqual([80, EXPECTED.rejectedA]);
    expect(d.uptime).toBeCloseTo(EXPECTED.uptimeA, 6);
    expect(d.devices.map((x: any) => x.id).sort()).toEqual([
      'xa1-ap1-loa',
      'xa1-cam1',
      'xa1-cam2',
      'xa1-quay1-box',
      'xa1-quay2-box',
    ]);
  });

  it("shows per-officer figures to that commune's leader only", async () => {
    const leader = await get('lanhdao1', `/api/satisfaction/commune/${A}?${custom}`);
    expect(leader.body.officers.map((o: any) => [o.key, o.n, o.index])).toEqual([[OFFICER, 20, 50]]);
    expect((await get('canbo1', `/api/satisfaction/commune/${A}?${custom}`)).body.officers).toBeNull();
    expect((await get('huyen', `/api/satisfaction/commune/${A}?${custom}`)).body.officers).toBeNull();
    expect((await get('quantri', `/api/satisfaction/commune/${A}?${custom}`)).body.officers).toBeNull();
    expect((await get('lanhdao2', `/api/satisfaction/commune/${A}?${custom}`)).status).toBe(403);
  });
});

describe('one definition per number: console, Grafana panels, report', () => {
  const load = (file: string) =>
    JSON.parse(readFileSync(join(GENERATED_DIR, file), 'utf8')) as { templating: { list: any[] }; panels: Panel[] };
  const ctxFor = async (d: ReturnType<typeof load>, vars: Record<string, string>): Promise<Ctx> => {
    const ctx: Ctx = {
      url: db.url,
      db: db.database,
      from: START,
      to: END - 1,
      interval: '1d',
      vars: { ...vars },
      allValues: { district: '.*' },
    };
    for (const v of d.templating.list) {
      if (v.type === 'constant') ctx.vars[v.name] = String(v.query);
      if (v.type === 'query' && !(v.name in ctx.vars)) ctx.vars[v.name] = (await runVariable(String(v.query), ctx))[0];
    }
    return ctx;
  };

  it("a commune's index, count, shrunk index, heat map and uptime are equal all three ways", async () => {
    const consoleRank = (
      await get('huyen', `/api/satisfaction/ranking?area=${PROVINCE.code}&${custom}`)
    ).body.rows.find((x: any) => x.code === A);
    const consoleA = (await get('huyen', `/api/satisfaction/commune/${A}?${custom}`)).body;

    const overview = load('satisfaction-overview.json');
    const ranking = overview.panels.find((p) => p.targets.some((t) => t.query === Q.ranking))!;
    const grafanaRank = (
      await runPanel(ranking, await ctxFor(overview, { province: PROVINCE.code, district: '$__all' }))
    )[0].rows.find((r) => r.commune === A)!;
    const commune = load('commune.json');
    const communeCtx = await ctxFor(commune, { province: PROVINCE.code, district: '$__all', commune: A });
    const heat = commune.panels.find((p) => p.title.startsWith('Bản đồ nhiệt'))!;
    const grafanaHeat = (await runPanel(heat, communeCtx))[0].rows;
    const devices = load('devices.json');
    const daily = devices.panels.find((p) => p.targets.some((t) => t.query === Q.dailyUptime))!;
    const dailyRows = (
      await runPanel(daily, await ctxFor(devices, { province: PROVINCE.code, district: '$__all', commune: A }))
    )[0].rows;
    const aDevices = env.registry.communes.get(A)!.commune.devices.map((d) => d.id);
    const perDevice = aDevices.map((id) => {
      const days = dailyRows.filter((r) => r.device === id);
      expect(days).toHaveLength(14);
      return days.reduce((s, r) => s + Number(r.uptime), 0) / days.length;
    });
    const grafanaUptime = perDevice.reduce((s, x) => s + x, 0) / perDevice.length;

    const { report } = await provinceReport();
    const reportA = report.communes.find((r) => r.code === A)!;

    for (const [how, n, index, shrunk] of [
      ['console', consoleRank.n, consoleRank.index, consoleRank.shrunk],
      ['grafana', grafanaRank.n, grafanaRank.index, grafanaRank.shrunk],
      ['report', reportA.n, reportA.index, reportA.shrunk],
    ] as const) {
      expect(n, how).toBe(EXPECTED.n[A]);
      expect(index, how).toBeCloseTo(EXPECTED.index[A], 9);
      expect(shrunk, how).toBeCloseTo(EXPECTED.shrunk[A], 9);
    }
    expect(reportA.rank).toBe(consoleRank.rank);
    for (const [how, u] of [
      ['console', consoleA.uptime],
      ['grafana', grafanaUptime],
      ['report', reportA.uptime],
    ] as const)
      expect(u, how).toBeCloseTo(EXPECTED.uptimeA, 6);
    // heat map: Grafana's matrix (weekday rows × hour columns) holds the same counts as the console's cells
    for (const cell of EXPECTED.heatA) {
      const row = grafanaHeat.find((r) => Number(r['thu\\gio']) === cell.weekday)!;
      expect(Number(row[String(cell.hour).padStart(2, '0')]), `${cell.weekday}/${cell.hour}`).toBe(cell.n);
      expect(consoleA.heatMap.find((c: any) => c.weekday === cell.weekday && c.hour === cell.hour).n).toBe(cell.n);
    }
  });
});

describe('the review appendix from the console', () => {
  it('province staff download the CSV, the totals and the printable page made by the report code', async () => {
    const token = await env.login('huyen');
    const q = `area=${PROVINCE.code}&from=${FROM}&to=${TO}`;
    const csv = await env.api(token, 'GET', `/api/satisfaction/report?${q}&format=csv`);
    expect(csv.status).toBe(200);
    // the console has no dossier and no follow-up case here: its service figures are zero counts, not "no data"
    const none = async (codes: string[], p: { from: number; to: number }) =>
      new Map(
        codes.map((c) => [
          c,
          { decision766: decision766([], new Set(), p, NOW), followup: { opened: 0, closed: 0, overdue: 0 } },
        ]),
      );
    const { files } = await provinceReport({ service: none });
    // fetch's text() drops the BOM the report writes; the rest is byte for byte the report's
    expect(csv.body).toBe(files['phu-luc-xa.csv'].replace(/^\uFEFF/, ''));
    expect(csv.body).toContain('Phường Phú Khương');
    const totals = await env.api(token, 'GET', `/api/satisfaction/report?${q}&format=totals`);
    expect(totals.body).toBe(files['tong-hop.csv'].replace(/^\uFEFF/, ''));
    const html = await env.api(token, 'GET', `/api/satisfaction/report?${q}&format=html`);
    expect(html.body).toContain('Tỉnh Vĩnh Long');
    expect(html.body).toContain('02/11/2026');
  });

  it('refuses a commune user the province appendix, and bad input', async () => {
    const token = await env.login('canbo1');
    expect(
      (await env.api(token, 'GET', `/api/satisfaction/report?area=${PROVINCE.code}&from=${FROM}&to=${TO}`)).body.error
        .code,
    ).toBe('FORBIDDEN_COMMUNE');
    expect((await env.api(token, 'GET', `/api/satisfaction/report?area=${A}&from=${FROM}&to=${TO}`)).status).toBe(200);
    const huyen = await env.login('huyen');
    expect(
      (await env.api(huyen, 'GET', `/api/satisfaction/report?area=${PROVINCE.code}&from=2026-13-01&to=${TO}`)).body
        .error.code,
    ).toBe('PERIOD_INVALID');
    expect(
      (await env.api(huyen, 'GET', `/api/satisfaction/report?area=77&from=${FROM}&to=${TO}`)).body.error.code,
    ).toBe('AREA_UNKNOWN');
    expect(
      (await env.api(huyen, 'GET', `/api/satisfaction/report?area=${PROVINCE.code}&from=${FROM}&to=${TO}&format=pdf`))
        .body.error.code,
    ).toBe('INVALID_INPUT');
    expect(C).toBe('28807');
  });
});

describe('deployment items declared by the commune', () => {
  const csvRows = (text: string) =>
    text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) =>
        l
          .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
          .slice(0, -1)
          .map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')),
      );

  it('commune staff enter and correct them, audited; the appendix shows them', async () => {
    const staff = await env.login('canbo1');
    const put = (items: unknown) => env.api(staff, 'PUT', `/api/satisfaction/deployment/${A}`, { items });
    expect(
      (await put({ 'rating-device': { present: true }, camera: { present: false, note: 'Camera hỏng' } })).status,
    ).toBe(200);
    expect((await put({ camera: { present: true, note: 'Đã thay camera' } })).body.items.camera).toMatchObject({
      present: true,
      note: 'Đã thay camera',
      updatedBy: 'canbo1',
    });
    const audit = (await env.api(staff, 'GET', `/api/audit?target=deployment:${A}`)).body.items as any[];
    expect(audit.map((e) => e.action)).toEqual(['deployment.update', 'deployment.update']);
    expect(audit[0].before.camera.present).toBe(false);
    expect(audit[0].after.camera.present).toBe(true);

    const csv = (await get('huyen', `/api/satisfaction/report?area=${PROVINCE.code}&from=${FROM}&to=${TO}&format=csv`))
      .body as string;
    const [header, ...rows] = csvRows(csv);
    const a = rows.find((r) => r[header.indexOf('Mã xã')] === A)!;
    const b = rows.find((r) => r[header.indexOf('Mã xã')] === B)!;
    const col = (s: string) => header.findIndex((h) => h.startsWith('Xã khai báo') && h.includes(s));
    expect([a[col('thiết bị điện tử')], a[col('camera')], a[col('truyền thanh')]]).toEqual([
      'Có',
      'Có',
      'Chưa khai báo',
    ]);
    expect(b[col('camera')]).toBe('Chưa khai báo');
    const seen = (await get('huyen', `/api/satisfaction/deployment?commune=${A}`)).body.communes[0];
    expect([seen.editable, seen.items['rating-device'].present]).toEqual([false, true]);
  });

  it("only that commune's staff may write them; bad input is refused", async () => {
    const staff = await env.login('canbo1');
    expect(
      (await env.api(staff, 'PUT', `/api/satisfaction/deployment/${B}`, { items: { camera: { present: true } } })).body
        .error.code,
    ).toBe('FORBIDDEN_COMMUNE');
    expect(
      (
        await env.api(await env.login('huyen'), 'PUT', `/api/satisfaction/deployment/${A}`, {
          items: { camera: { present: true } },
        })
      ).body.error.code,
    ).toBe('FORBIDDEN_ROLE');
    for (const items of [
      {},
      { loudspeaker: { present: true } },
      { camera: { present: 'yes' } },
      { camera: { present: true, note: 'x'.repeat(501) } },
    ]) {
      expect((await env.api(staff, 'PUT', `/api/satisfaction/deployment/${A}`, { items })).body.error.code).toBe(
        'DEPLOYMENT_INVALID',
      );
    }
    expect((await env.api(staff, 'GET', `/api/satisfaction/deployment?commune=${B}`)).body.error.code).toBe(
      'FORBIDDEN_COMMUNE',
    );
  });
});
