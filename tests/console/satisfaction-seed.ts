import type { InfluxDB, IPoint } from 'influx';
import { dailySelectInto } from '../../devices/storage/continuous-queries.ts';
import { ensureDownsampling } from '../../collector/downsampling.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { levelValue, type LevelKey } from '../../devices/levels.ts';
import type { Registry } from '../../devices/registry/index.ts';

/**
 * Seeded data with known answers for the satisfaction views (console, Grafana panels, report). Three real
 * communes of Tỉnh Vĩnh Long; A has two counters and one hamlet, B and C one of each.
 * Period: 02/11/2026 – 15/11/2026 (two whole ISO weeks); previous period: 19/10/2026 – 01/11/2026.
 */
export const UNITS = [
  { code: '28756', name: 'Phường Phú Khương', counters: 2, hamlets: 1 },
  { code: '28777', name: 'Phường An Hội', counters: 1, hamlets: 1 },
  { code: '28807', name: 'Xã Giao Long', counters: 1, hamlets: 1 },
];
export const PROVINCE = { code: '86', name: 'Tỉnh Vĩnh Long' };
export const [A, B, C] = UNITS.map((u) => u.code);
export const NOW = Date.parse('2026-11-20T05:00:00Z'); // Friday 12:00 Vietnam time
export const FROM = '2026-11-02';
export const TO = '2026-11-15';
export const START = Date.parse('2026-11-02T00:00:00+07:00');
export const END = Date.parse('2026-11-16T00:00:00+07:00');
export const OFFICER = 'nguyen-van-an';

const vn = (text: string) => Date.parse(`${text}+07:00`);
const MIN = 60_000;

/** Hand-computed answers (the formula of the SIPAS index and its shrinkage, written out here on purpose). */
export const EXPECTED = (() => {
  const n = { [A]: 80, [B]: 5, [C]: 100 };
  const sat = { [A]: 60, [B]: 5, [C]: 60 };
  const p0 = (60 + 5 + 60) / (80 + 5 + 100);
  const shrunk = (c: string) => (100 * (sat[c] + 50 * p0)) / (n[c] + 50);
  return {
    order: [A, B, C],
    n,
    index: { [A]: 75, [B]: 100, [C]: 60 },
    shrunk: { [A]: shrunk(A), [B]: shrunk(B), [C]: shrunk(C) },
    change: { [A]: 75 - 100, [B]: null, [C]: 60 - 50 },
    /** A's devices: box 1 always up, box 2 down one day of 14, the speaker up the second week only */
    uptimeA: (1 + 13 / 14 + 7 / 14) / 3,
    rejectedA: 9,
    heatA: [
      { weekday: 1, hour: 8, n: 50, satisfied: 50 },
      { weekday: 2, hour: 9, n: 20, satisfied: 10 },
      { weekday: 3, hour: 14, n: 10, satisfied: 0 },
    ],
    countersA: [
      { key: 'xa1-quay1', n: 60, index: (100 * 50) / 60 },
      { key: 'xa1-quay2', n: 20, index: 50 },
    ],
  };
})();

export function seedPoints(registry: Registry): IPoint[] {
  const tags = (device: string) => registry.deviceTags(registry.device(device)!);
  const points: IPoint[] = [];
  let seq = 0;
  const rate = (device: string, at: string, levels: [LevelKey, number][], extra: Record<string, string> = {}) => {
    let t = vn(at);
    for (const [level, count] of levels) {
      for (let i = 0; i < count; i++, t += MIN) {
        points.push({
          measurement: MEASUREMENTS.rating,
          tags: { ...tags(device), level, time_quality: 'synced', ...extra },
          fields: { value: levelValue(level), id: `r${seq++}` },
          timestamp: new Date(t),
        });
      }
    }
  };
  // A, box 1: Monday 02/11 08:00 (50, all satisfied) and Wednesday 04/11 14:00 (10, none)
  rate('xa1-quay1-box', '2026-11-02T08:00:00', [
    ['rat-hai-long', 40],
    ['hai-long', 10],
  ]);
  rate('xa1-quay1-box', '2026-11-04T14:00:00', [
    ['binh-thuong', 5],
    ['khong-hai-long', 5],
  ]);
  // A, box 2: Tuesday 10/11 09:00, with the officer on duty
  rate(
    'xa1-quay2-box',
    '2026-11-10T09:00:00',
    [
      ['hai-long', 10],
      ['khong-hai-long', 10],
    ],
    { officer: OFFICER },
  );
  rate('xa2-quay1-box', '2026-11-14T08:00:00', [['rat-hai-long', 5]]);
  rate('xa3-quay1-box', '2026-11-13T08:00:00', [
    ['hai-long', 60],
    ['binh-thuong', 40],
  ]);
  // previous period
  rate('xa1-quay1-box', '2026-10-20T09:00:00', [['hai-long', 10]]);
  rate('xa3-quay1-box', '2026-10-21T09:00:00', [
    ['hai-long', 5],
    ['khong-hai-long', 5],
  ]);
  // after the period: must not count
  rate('xa1-quay1-box', '2026-11-18T09:00:00', [['khong-hai-long', 3]]);

  const presence = (device: string, at: number, online: 0 | 1, source: string) =>
    points.push({
      measurement: MEASUREMENTS.presence,
      tags: tags(device),
      fields: { online, source },
      timestamp: new Date(at),
    });
  const before = vn('2026-10-01T00:00:00');
  presence('xa1-quay1-box', before, 1, 'availability');
  presence('xa1-quay2-box', before, 1, 'availability');
  presence('xa1-quay2-box', vn('2026-11-05T00:00:00'), 0, 'silence');
  presence('xa1-quay2-box', vn('2026-11-06T00:00:00'), 1, 'availability');
  presence('xa1-ap1-loa', before, 0, 'registered');
  presence('xa1-ap1-loa', vn('2026-11-09T00:00:00'), 1, 'availability');
  // the collector's checkpoint at the Vietnam midnight starting the period (what the Grafana query relies on)
  presence('xa1-quay1-box', START, 1, 'checkpoint');
  presence('xa1-quay2-box', START, 1, 'checkpoint');
  presence('xa1-ap1-loa', START, 0, 'checkpoint');
  for (const d of ['xa2-quay1-box', 'xa2-ap1-loa', 'xa3-quay1-box', 'xa3-ap1-loa']) {
    presence(d, before, 1, 'availability');
    presence(d, START, 1, 'checkpoint');
  }

  // heartbeats of A's box 1: lockout rejections 0 → 3 → 7, a reboot, then 2 → 4: 3 + 4 + 2 = 9 seen
  const beat = (at: string, rejected: number) =>
    points.push({
      measurement: MEASUREMENTS.deviceState,
      tags: tags('xa1-quay1-box'),
      fields: {
        uptime_s: 100,
        outbox_depth: 0,
        presses_accepted: 0,
        rejected_lockout: rejected,
        rejected_outbox_full: 0,
      },
      timestamp: new Date(vn(at)),
    });
  beat('2026-11-03T08:00:00', 0);
  beat('2026-11-03T09:00:00', 3);
  beat('2026-11-04T08:00:00', 7);
  beat('2026-11-06T08:00:00', 2);
  beat('2026-11-07T08:00:00', 4);
  return points;
}

/**
 * The database as the collector sets it up (raw policy as default, daily policy, continuous queries), the points
 * written, then the daily rating aggregates computed over them as the continuous query would have done.
 */
export async function seedWithDailyAggregates(
  db: { url: string; influx: InfluxDB; database: string },
  points: IPoint[],
): Promise<void> {
  await ensureDownsampling(db.influx, db.database, { rawRetention: '3650d' });
  await db.influx.writePoints(points, { database: db.database });
  const times = points.map((p) => (p.timestamp as Date).getTime());
  const where = `time >= ${Math.min(...times) - 86_400_000}ms AND time <= ${Math.max(...times) + 86_400_000}ms`;
  // SELECT … INTO must be POSTed
  const res = await fetch(new URL('/query', db.url), {
    method: 'POST',
    body: new URLSearchParams({ db: db.database, q: dailySelectInto(db.database, 'rating_daily', where) }),
  });
  const json = (await res.json()) as { results?: { error?: string }[] };
  if (!res.ok || json.results?.[0]?.error)
    throw new Error(`daily aggregates: ${json.results?.[0]?.error ?? res.status}`);
}
