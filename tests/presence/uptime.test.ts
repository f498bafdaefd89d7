import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cameraUptime,
  cameraUptimeInfluxQL,
  periods,
  probeSteps,
  uptime,
  uptimeInfluxQL,
  upWithin,
} from '../../devices/analytics/uptime.ts';
import { presencePoint } from '../../collector/presence/store.ts';
import { testDatabase } from '../harness/influx.ts';
import { presenceStore } from './harness.ts';

/**
 * Hand-computed fixtures. Vietnam day D = Monday 2026-11-23 = [2026-11-22T17:00Z, 2026-11-23T17:00Z).
 * a: on 20:00Z(22) → off 05:00Z(23) → on 11:00Z(23) → off 23:00Z(23) → on 20:00Z(24)
 *    D: 9 h + 6 h = 15 h = 0.625 · D+1: 6 h (after the midnight) = 0.25 · D+2 up to now 05:00Z(25): 9 h / 12 h = 0.75
 *    week (Mon 23 … now): 30 h / 60 h = 0.5
 * b: never reported (seeded 'registered' down at 18:00Z(22) for the InfluxQL series) → 0
 * c: online since 2026-11-20 (before the range; inside it only the midnight checkpoint at its start) → 1
 * d: no point at all → 0 in the TS function (absent from InfluxQL: documented)
 */
const Z = (s: string) => Date.parse(`2026-11-${s}:00Z`);
const FROM = Z('22T17:00');
const NOW = Z('25T05:00');
const TO_WEEK = Z('29T17:00');
const { url, influx, database } = testDatabase('uptime');

beforeAll(async () => {
  const p = (device: string, at: number, online: boolean) =>
    presencePoint({ device }, { online, at, source: 'availability' });
  await (await presenceStore(url, database)).writePoints([
    p('a', Z('22T20:00'), true),
    p('a', Z('23T05:00'), false),
    p('a', Z('23T11:00'), true),
    p('a', Z('23T23:00'), false),
    p('a', Z('24T20:00'), true),
    p('b', Z('22T18:00'), false),
    p('c', Z('20T00:00'), true),
    // the collector's midnight checkpoint: the dashboards query sees nothing before its range
    presencePoint({ device: 'c' }, { online: true, at: FROM, source: 'checkpoint' }),
    // after `now`: a query for the current day must not count it
    p('a', Z('25T08:00'), false),
  ]);
});
afterAll(() => influx.dropDatabase(database));

describe('uptime(): TS function', () => {
  it('per Vietnam day, across a midnight, a never-reported device, the current day up to now', async () => {
    const rows = await uptime({
      influx,
      database,
      devices: ['a', 'b', 'c', 'd'],
      from: FROM,
      to: TO_WEEK,
      granularity: 'day',
      now: NOW,
    });
    const by = (d: string) => rows.filter((r) => r.device === d).map((r) => [r.start, r.fraction]);
    expect(by('a')).toEqual([
      ['2026-11-22T17:00:00.000Z', 0.625],
      ['2026-11-23T17:00:00.000Z', 0.25],
      ['2026-11-24T17:00:00.000Z', 0.75],
    ]);
    expect(by('b').map((x) => x[1])).toEqual([0, 0, 0]);
    expect(by('c').map((x) => x[1])).toEqual([1, 1, 1]);
    expect(by('d').map((x) => x[1])).toEqual([0, 0, 0]);
    const current = rows.find((r) => r.device === 'a' && r.start === '2026-11-24T17:00:00.000Z')!;
    expect([current.end, current.totalS, current.upS]).toEqual(['2026-11-25T05:00:00.000Z', 12 * 3600, 9 * 3600]);
  });

  it('per ISO week (Monday 00:00 Vietnam time)', async () => {
    const rows = await uptime({
      influx,
      database,
      devices: ['a', 'b', 'c'],
      from: FROM,
      to: TO_WEEK,
      granularity: 'week',
      now: NOW,
    });
    expect(rows.map((r) => [r.device, r.start, r.totalS, r.fraction])).toEqual([
      ['a', '2026-11-22T17:00:00.000Z', 60 * 3600, 0.5],
      ['b', '2026-11-22T17:00:00.000Z', 60 * 3600, 0],
      ['c', '2026-11-22T17:00:00.000Z', 60 * 3600, 1],
    ]);
  });

  it('pure helpers: periods are Vietnam days; the state before the first point is down', () => {
    expect(periods(Z('23T10:00'), Z('24T10:00'), 'day').map((p) => new Date(p.start).toISOString())).toEqual([
      '2026-11-23T10:00:00.000Z',
      '2026-11-23T17:00:00.000Z',
    ]);
    expect(
      upWithin(
        [
          { at: 100, online: true },
          { at: 200, online: false },
        ],
        0,
        1000,
      ),
    ).toBe(100);
    expect(upWithin([], 0, 1000)).toBe(0);
  });
});

describe('uptimeInfluxQL(): the dashboards query', () => {
  async function run(granularity: 'day' | 'week') {
    const q = uptimeInfluxQL({ granularity, from: `${FROM}ms`, to: `${NOW}ms` });
    const rows = await influx.query<{ time: Date; device: string; uptime: number }>(q, { database });
    return rows.map((r) => [r.device, r.time.toISOString(), Math.round(r.uptime * 10_000) / 10_000]);
  }

  it('per day gives the hand-computed fractions', async () => {
    expect(await run('day')).toEqual([
      ['a', '2026-11-22T17:00:00.000Z', 0.625],
      ['a', '2026-11-23T17:00:00.000Z', 0.25],
      ['a', '2026-11-24T17:00:00.000Z', 0.75],
      ['b', '2026-11-22T17:00:00.000Z', 0],
      ['b', '2026-11-23T17:00:00.000Z', 0],
      ['b', '2026-11-24T17:00:00.000Z', 0],
      ['c', '2026-11-22T17:00:00.000Z', 1],
      ['c', '2026-11-23T17:00:00.000Z', 1],
      ['c', '2026-11-24T17:00:00.000Z', 1],
    ]);
  });

  it('per ISO week gives the hand-computed fraction', async () => {
    expect(await run('week')).toEqual([
      ['a', '2026-11-22T17:00:00.000Z', 0.5],
      ['b', '2026-11-22T17:00:00.000Z', 0],
      ['c', '2026-11-22T17:00:00.000Z', 1],
    ]);
  });

  it('Grafana form uses ${__from}/${__to} and a tag filter', () => {
    const q = uptimeInfluxQL({ granularity: 'day', where: `"commune" = '90001'` });
    expect(q).toContain('time >= ${__from}ms AND time < ${__to}ms');
    expect(q).toContain(`AND ("commune" = '90001')`);
    expect(q).toContain('GROUP BY time(1d, 17h), "device"');
  });
});

describe('uptime() for a large fleet', () => {
  it('past 100 devices it reads all series and still answers only for the asked devices', async () => {
    const many = ['a', 'c', ...Array.from({ length: 120 }, (_, i) => `x${i}`)];
    const rows = await uptime({
      influx,
      database,
      devices: many,
      from: FROM,
      to: TO_WEEK,
      granularity: 'week',
      now: NOW,
    });
    expect(rows).toHaveLength(many.length);
    expect(rows.filter((r) => r.device === 'a' || r.device === 'c').map((r) => r.fraction)).toEqual([0.5, 1]);
    expect(rows.some((r) => r.device === 'b')).toBe(false);
  });
});

describe('camera uptime', () => {
  /**
   * cam-1 probes (every 60 s) on Vietnam day D: up from 01:00Z to 01:10Z (probes at :00…:09 up), down at 01:10,
   * then nothing (the box lost power). Up = 01:00 → 01:10 = 600 s; the down probe holds 150 s, then unknown = down.
   * Day total 86,400 s → 600 / 86,400.
   */
  const T = Date.parse('2026-11-23T01:00:00Z');
  beforeAll(async () => {
    const points = Array.from({ length: 11 }, (_, i) => ({
      measurement: 'camera_status',
      tags: { device: 'box', camera: 'cam-1' },
      fields: { up: i < 10 ? 1 : 0 },
      timestamp: new Date(T + i * 60_000),
    }));
    await (await presenceStore(url, database)).writePoints(points);
  });

  it('a result holds until the next probe or its validity; silence is down', async () => {
    const rows = await cameraUptime({
      influx,
      database,
      cameras: ['cam-1', 'cam-2'],
      from: FROM,
      to: Z('23T17:00'),
      granularity: 'day',
      now: NOW,
    });
    expect(rows.map((r) => [r.device, r.upS, r.totalS])).toEqual([
      ['cam-1', 600, 86_400],
      ['cam-2', 0, 86_400],
    ]);
    expect(
      probeSteps(
        [
          { at: 0, up: true },
          { at: 500_000, up: true },
        ],
        150_000,
      ),
    ).toEqual([
      { at: 0, online: true },
      { at: 150_000, online: false },
      { at: 500_000, online: true },
      { at: 650_000, online: false },
    ]);
  });

  it('the dashboards query agrees (2-minute buckets: 5 of 720 up)', async () => {
    const q = cameraUptimeInfluxQL({ granularity: 'day', from: `${FROM}ms`, to: `${Z('23T17:00')}ms` });
    const [row] = await influx.query<{ camera: string; uptime: number }>(q, { database });
    expect([row.camera, row.uptime]).toEqual(['cam-1', 5 / 720]);
  });
});
