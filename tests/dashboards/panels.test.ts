import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_DIR, renderDashboards } from '../../dashboards/build.ts';
import { unitNamesOf } from '../../dashboards/units.ts';
import { demoLayout } from '../../simulator/demo-registry.ts';
import { DEMO_PROVINCE, DEMO_UNITS } from '../../devices/fixtures/demo-province.ts';
import { testDatabase } from '../harness/influx.ts';
import { dailySelectInto } from '../../devices/storage/continuous-queries.ts';
import { ensureDownsampling } from '../../collector/downsampling.ts';
import { influxQuery, influxWrite, vn } from './influx-http.ts';
import { runPanel, runVariable, type Ctx, type Frame, type Panel, type Vars } from './grafana-sim.ts';
import { deviceLines, RANGE, ratingLines } from './seed.ts';

/**
 * Every panel of every generated dashboard runs against a real influxd holding seed.ts; each panel has
 * a checker with hand-computed answers, and a panel without one fails the test.
 */
type Dashboard = {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; allValue?: string }[] };
};
const load = (file: string) => JSON.parse(readFileSync(join(GENERATED_DIR, file), 'utf8')) as Dashboard;

const { url, database, influx } = testDatabase('dash');
const P0 = 13 / 22; // province 99: 13 satisfied of 22 ratings
const C0 = 6 / 14; // commune 90001: 6 of 14
const day = (d: string) => vn(`${d} 00:00`);

const rowsOf = (frames: Frame[]) => frames.flatMap((f) => f.rows);
const by = (frames: Frame[], key: string) => Object.fromEntries(rowsOf(frames).map((r) => [String(r[key]), r]));
const close = (a: unknown, b: number) => expect(Number(a)).toBeCloseTo(b, 6);

/** an index stat: one row, the index and the count it is computed from */
const indexStat = (index: number, n: number) => (f: Frame[]) => {
  const [r] = rowsOf(f);
  close(r.index, index);
  expect(r.n).toBe(n);
};

/** the area's index per Vietnam day */
function dailyIndex(f: Frame[]): void {
  const r = by(f, 'Time');
  expect(Object.keys(r).map(Number)).toEqual(
    ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07'].map(day),
  );
  close(r[day('2025-03-03')].index, (100 * 4) / 6);
  close(r[day('2025-03-05')].index, 100);
  close(r[day('2025-03-06')].index, 80);
  expect(r[day('2025-03-06')].n).toBe(5);
  expect(r[day('2025-03-07')].n).toBe(2);
}

/** every device seed.ts gives presence or heartbeats */
const SEEDED_DEVICES = ['xa1-ap1-loa', 'xa1-quay1-box', 'xa1-quay2-box', 'xa2-quay1-box', 'xa3-quay1-box'];

const checks: Record<string, (f: Frame[]) => void> = {
  'tt-satisfaction-overview/1': indexStat((100 * 13) / 22, 22),
  'tt-satisfaction-overview/2': (f) => {
    const r = by(f, 'level');
    expect([r['rat-hai-long'].n, r['hai-long'].n, r['binh-thuong'].n, r['khong-hai-long'].n]).toEqual([7, 6, 2, 7]);
  },
  'tt-satisfaction-overview/3': (f) => {
    const r = by(f, 'commune');
    expect(Object.keys(r).sort()).toEqual(['90001', '90002', '90003']);
    close(r['90001'].index, (100 * 6) / 14);
    expect([r['90001'].n, r['90002'].n, r['90003'].n]).toEqual([14, 3, 5]);
    close(r['90001'].shrunk, (100 * (6 + 50 * P0)) / 64);
    close(r['90002'].shrunk, (100 * (3 + 50 * P0)) / 53);
    close(r['90003'].shrunk, (100 * (4 + 50 * P0)) / 55);
    // 3 perfect ratings do not top 5 ratings at 80 % once shrunk
    expect(Number(r['90002'].shrunk)).toBeLessThan(100);
  },
  'tt-satisfaction-overview/4': dailyIndex,
  'tt-satisfaction-overview/5': (f) => {
    const n = (level: string, d: string) => rowsOf(f).find((r) => r.level === level && r.Time === day(d))?.n;
    expect(n('rat-hai-long', '2025-03-03')).toBe(3);
    expect(n('khong-hai-long', '2025-03-07')).toBe(2);
    expect(n('hai-long', '2025-03-01')).toBe(0);
  },
  // from daily.rating_daily (filled by the CQ's SELECT INTO): the same answers as panel 4
  'tt-satisfaction-overview/6': dailyIndex,
  'tt-commune/1': indexStat((100 * 6) / 14, 14),
  'tt-commune/2': (f) => {
    const r = by(f, 'counter');
    expect([r['xa1-quay1'].n, r['xa1-quay2'].n]).toEqual([8, 6]);
    close(r['xa1-quay1'].index, 50);
    close(r['xa1-quay1'].shrunk, (100 * (4 + 50 * C0)) / 58);
    close(r['xa1-quay2'].shrunk, (100 * (2 + 50 * C0)) / 56);
  },
  'tt-commune/3': (f) => {
    const rows = rowsOf(f).map((r) => [Number(Number(r.index).toFixed(3)), r.n]);
    expect(rows.sort()).toEqual([
      [33.333, 6],
      [66.667, 6],
    ]); // Friday (2 ratings) is below the minimum
  },
  'tt-commune/4': (f) => {
    expect(rowsOf(f).map((r) => [r.gio, r['n (sum)'], r['satisfied (sum)']])).toEqual([
      ['08', 4, 3],
      ['09', 2, 1],
      ['14', 6, 2],
      ['16', 2, 0],
    ]);
  },
  'tt-commune/5': (f) => {
    expect(rowsOf(f).map((r) => [r.thu, r['n (sum)'], r['satisfied (sum)']])).toEqual([
      ['1', 6, 4],
      ['2', 6, 2],
      ['5', 2, 0],
    ]);
  },
  'tt-commune/6': (f) => {
    expect(rowsOf(f)).toEqual([
      { 'thu\\gio': '1', '08': 4, '09': 2, '14': 0, '16': 0 },
      { 'thu\\gio': '2', '08': 0, '09': 0, '14': 6, '16': 0 },
      { 'thu\\gio': '5', '08': 0, '09': 0, '14': 0, '16': 2 },
    ]);
  },
  'tt-commune/7': (f) => {
    const r = by(f, 'Time');
    expect(Object.keys(r).map(Number)).toEqual([day('2025-03-03'), day('2025-03-04'), day('2025-03-07')]);
    close(r[day('2025-03-04')].index, (100 * 2) / 6);
  },
  'tt-devices/1': (f) => expect(rowsOf(f)[0].offline).toBe(2), // the hamlet-1 speaker (Fri) and rating box 2 (Tue)
  'tt-devices/2': (f) => {
    expect(
      rowsOf(f)
        .map((r) => [r.device, r.Time])
        .sort(),
    ).toEqual([
      ['xa1-ap1-loa', vn('2025-03-07 00:00')],
      ['xa1-quay2-box', vn('2025-03-04 12:00')],
    ]);
  },
  'tt-devices/3': (f) => {
    const r = by(f, 'device');
    expect(Object.keys(r).sort()).toEqual(SEEDED_DEVICES);
    close(r['xa2-quay1-box'].uptime, 100 / 1008); // one heartbeat
    close(r['xa1-ap1-loa'].uptime, (100 * 864) / 1008);
    close(r['xa1-quay1-box'].uptime, 100);
    close(r['xa1-quay2-box'].uptime, 50);
  },
  'tt-devices/4': (f) => {
    const r = by(f, 'device');
    expect(Object.keys(r).sort()).toEqual(SEEDED_DEVICES);
    expect([r['xa1-quay1-box'].Time, r['xa1-quay1-box'].uptime_s]).toEqual([vn('2025-03-07 23:50'), 1007 * 600]);
    expect(r['xa1-quay2-box'].Time).toBe(vn('2025-03-04 11:50'));
  },
  'tt-devices/5': (f) => {
    const r = by(f, 'camera');
    expect([r['xa1-cam1'].uptime, r['xa1-cam1'].probes, r['xa1-cam2'].uptime, r['xa1-cam2'].probes]).toEqual([
      75, 4, 100, 2,
    ]);
  },
  'tt-devices/6': (f) => {
    const r = by(f, 'camera');
    expect([r['xa1-cam1'].up, r['xa1-cam2'].up]).toEqual([0, 1]);
  },
  'tt-devices/7': (f) => {
    const days = (d: string) =>
      rowsOf(f)
        .filter((r) => r.device === d)
        .map((r) => [r.Time, r.uptime]);
    const week = ['01', '02', '03', '04', '05', '06', '07'].map((d) => day(`2025-03-${d}`));
    expect(days('xa1-quay1-box')).toEqual(week.map((t) => [t, 1]));
    expect(days('xa1-ap1-loa')).toEqual(week.map((t, i) => [t, i < 6 ? 1 : 0]));
    expect(days('xa1-quay2-box').map(([, u]) => Number(Number(u).toFixed(6)))).toEqual([1, 1, 1, 0.5, 0, 0, 0]);
    expect(rowsOf(f).some((r) => r.device === 'xb1-quay1-box')).toBe(false);
  },
  'tt-devices/8': (f) => {
    // each node's last cumulative count, summed over the nodes: node a 5 + node b 2
    const r = by(f, 'reason');
    expect([r['auth-bad-password']?.count, r['subscribe-not-allowed']?.count]).toEqual([7, 1]);
  },
  'tt-broadcasts/1': (f) => {
    const r = by(f, 'hamlet');
    expect([r['xa1-ap1'].scheduled, r['xa1-ap1'].played, r['xa1-ap1'].missed]).toEqual([4, 3, 1]);
    expect([r['xa1-ap2'].scheduled, r['xa1-ap2'].played, r['xa1-ap2'].missed]).toEqual([2, 1, 1]);
  },
  'tt-broadcasts/2': (f) => {
    const sum = (o: string) =>
      rowsOf(f)
        .filter((r) => r.outcome === o)
        .reduce((s, r) => s + Number(r.n), 0);
    expect([sum('played'), sum('missed'), sum('failed')]).toEqual([4, 1, 1]);
    expect(rowsOf(f).find((r) => r.outcome === 'played' && r.Time === day('2025-03-03'))?.n).toBe(2);
  },
};

async function context(d: Dashboard, vars: Vars, interval: string): Promise<Ctx> {
  const allValues = Object.fromEntries(d.templating.list.filter((v) => v.allValue).map((v) => [v.name, v.allValue!]));
  const ctx: Ctx = { url, db: database, from: RANGE.from, to: RANGE.to, interval, vars: { ...vars }, allValues };
  for (const v of d.templating.list) {
    if (v.type === 'constant') ctx.vars[v.name] = String(v.query);
    if (v.type === 'query' && !(v.name in ctx.vars)) ctx.vars[v.name] = (await runVariable(String(v.query), ctx))[0];
  }
  return ctx;
}

const DASHBOARDS: [string, Vars, string][] = [
  ['satisfaction-overview.json', { province: '99', district: '$__all' }, '1d'],
  ['commune.json', { province: '99', district: '$__all', commune: '90001' }, '1d'],
  ['devices.json', { province: '99', district: '$__all', commune: '90001' }, '1h'],
  ['broadcasts.json', { province: '99', district: '$__all', commune: '90001' }, '1d'],
];

describe('dashboard panels on seeded InfluxDB', () => {
  beforeAll(async () => {
    await ensureDownsampling(influx, database, { rawRetention: 'INF' });
    await influxWrite(url, database, [...ratingLines(), ...deviceLines()]);
    await influxQuery(
      url,
      database,
      dailySelectInto(database, 'rating_daily', `time >= ${RANGE.from}ms AND time <= ${RANGE.to}ms`),
    );
  });

  for (const [file, vars, interval] of DASHBOARDS) {
    it(`${file}: every panel query returns the known answers`, async () => {
      const d = load(file);
      const ctx = await context(d, vars, interval);
      for (const panel of d.panels) {
        const check = checks[`${d.uid}/${panel.id}`];
        expect(check, `no known-answer check for ${d.uid} panel ${panel.id} "${panel.title}"`).toBeDefined();
        check(await runPanel(panel, ctx));
      }
    });
  }

  it('template variables show units by name, list the districts, honour the district and compute the area mean', async () => {
    const d = load('satisfaction-overview.json');
    const q = (name: string) => String(d.templating.list.find((v) => v.name === name)!.query);
    const base = { url, db: database, from: RANGE.from, to: RANGE.to, interval: '1d', allValues: { district: '.*' } };
    // province and commune: "name : code" (Grafana shows the name, the queries get the code), from the registry
    const province = d.templating.list.find((v) => v.name === 'province') as any;
    expect(province.type).toBe('custom');
    expect(province.query).toBe('Tỉnh Vĩnh Long : 86');
    expect(province.options).toEqual([{ text: 'Tỉnh Vĩnh Long', value: '86', selected: true }]);
    const commune = load('commune.json').templating.list.find((v) => v.name === 'commune') as any;
    expect(commune.options.map((o: any) => o.text)).toContain('Phường Phú Khương');
    expect(commune.options.find((o: any) => o.text === 'Xã Giao Long').value).toBe('28807');
    expect(commune.options.every((o: any) => /^(Xã|Phường|Đặc khu) /.test(o.text) && /^\d{5}$/.test(o.value))).toBe(
      true,
    );
    const ranking = d.panels.find((p) => p.id === 3) as any;
    const mapping = ranking.fieldConfig.overrides
      .find((o: any) => o.matcher.options === 'commune')
      .properties.find((p: any) => p.id === 'mappings');
    expect(mapping.value[0].options['28756'].text).toBe('Phường Phú Khương');
    // district: "All" (any, including none) in the two-tier demo province; names where the registry has districts
    const district = d.templating.list.find((v) => v.name === 'district') as any;
    expect([district.type, district.includeAll, district.allValue, district.current.value]).toEqual([
      'custom',
      true,
      '.*',
      '$__all',
    ]);
    const threeTier = JSON.parse(
      renderDashboards(unitNamesOf(demoLayout({ communes: 2, withDistrict: true })))['satisfaction-overview.json'],
    ) as Dashboard;
    expect((threeTier.templating.list.find((v) => v.name === 'district') as any).options).toEqual([
      { text: 'Huyện Mẫu', value: '999', selected: false },
    ]);
    close((await runVariable(q('area_p'), { ...base, vars: { province: '99', district: '$__all' } }))[0], P0);
    // district 999 alone: 9 satisfied of 17
    close((await runVariable(q('area_p'), { ...base, vars: { province: '99', district: ['999'] } }))[0], 9 / 17);
  });

  it('the overview restricted to one district counts only its communes', async () => {
    const d = load('satisfaction-overview.json');
    const ctx = await context(d, { province: '99', district: ['999'] }, '1d');
    const frames = await runPanel(d.panels.find((p) => p.id === 3)!, ctx);
    const r = by(frames, 'commune');
    expect(Object.keys(r).sort()).toEqual(['90001', '90002']);
    close(r['90002'].shrunk, (100 * (3 + (50 * 9) / 17)) / 53);
  });

  it('tables and legends show counters, devices, cameras, hamlets, levels and outcomes by name, not by id', () => {
    const panel = (file: string, id: number) => load(file).panels.find((p) => p.id === id) as any;
    const overrideOf = (p: any, name: string) =>
      p.fieldConfig.overrides.find((o: any) => o.matcher.options === name)?.properties as any[];
    const mapped = (p: any, column: string, key: string) =>
      overrideOf(p, column).find((x) => x.id === 'mappings').value[0].options[key]?.text;
    const legend = (p: any, series: string) => overrideOf(p, series)?.find((x) => x.id === 'displayName')?.value;
    expect(mapped(panel('commune.json', 2), 'counter', 'xa1-quay1')).toBe('Quầy Tư pháp – Hộ tịch – Phường Phú Khương');
    expect(mapped(panel('devices.json', 3), 'device', 'xa5-ap1-loa')).toBe('Loa Ấp Tân Hòa – Xã Giao Long');
    expect(mapped(panel('devices.json', 3), 'kind', 'rating-box')).toBe('Hộp đánh giá');
    expect(mapped(panel('devices.json', 2), 'device', 'xa1-quay1-box')).toBe(
      'Hộp đánh giá Quầy Tư pháp – Hộ tịch – Phường Phú Khương',
    );
    expect(mapped(panel('devices.json', 5), 'camera', 'xa1-cam1')).toBe(
      'Camera quầy 1, Quầy Tư pháp – Hộ tịch – Phường Phú Khương',
    );
    expect(mapped(panel('broadcasts.json', 1), 'hamlet', 'xa1-ap2')).toBe('Ấp Tân Thạnh – Phường Phú Khương');
    expect(mapped(panel('satisfaction-overview.json', 2), 'level', 'binh-thuong')).toBe('Bình thường');
    // legends: every series a query can return has a name
    expect(legend(panel('satisfaction-overview.json', 5), 'rat-hai-long')).toBe('Rất hài lòng');
    expect(legend(panel('satisfaction-overview.json', 4), 'index')).toBe('Chỉ số hài lòng (%)');
    expect(legend(panel('commune.json', 7), 'n')).toBe('Số lượt đánh giá');
    expect(legend(panel('broadcasts.json', 2), 'missed')).toBe('Bỏ lỡ');
    const daily = panel('devices.json', 7);
    const demoDevices = unitNamesOf(demoLayout({ units: DEMO_UNITS, province: DEMO_PROVINCE })).devices;
    expect(demoDevices.length).toBeGreaterThan(50);
    for (const d of demoDevices) expect(legend(daily, d.code), d.code).toMatch(/^(Loa|Hộp đánh giá) .+ – (Xã|Phường) /);
  });
});
