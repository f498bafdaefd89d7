import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClosedDayCache,
  closedBefore,
  countsBy,
  countsByDay,
  hasDailyRatings,
  splitSpan,
  type CountsDeps,
} from '../../devices/analytics/rating-counts.ts';
import { resolvePeriod } from '../../devices/analytics/periods.ts';
import { areaRanking } from '../../devices/analytics/satisfaction-view.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { httpQueryRunner } from '../../console/report/influx.ts';
import { testDatabase } from '../harness/influx.ts';
import { A, C, END, NOW, PROVINCE, seedPoints, seedWithDailyAggregates, START, UNITS } from './satisfaction-seed.ts';

/**
 * Rating counts read from the daily aggregates for closed days and raw for the rest (analytics/rating-counts.ts):
 * the same numbers as counting every raw rating, the closed days asked once, today's ratings counted at once.
 */
const DAY = 86_400_000;
let registry: Registry;
const withDaily = testDatabase('sat_daily');
const rawOnly = testDatabase('sat_rawonly');
const where = `"province" = '${PROVINCE.code}'`;

/** a runner that records what it was asked */
function recording(url: string, database: string) {
  const queries: string[] = [];
  const run = httpQueryRunner(url, database);
  return { queries, run: (q: string) => (queries.push(q), run(q)) };
}

const sorted = (m: Map<string, unknown>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

beforeAll(async () => {
  registry = parseRegistry(
    (await demoRegistry({ units: UNITS, province: PROVINCE, countersPerCommune: 1, cost: { N: 1024, r: 8, p: 1 } }))
      .yaml,
  );
  const points = seedPoints(registry);
  // a rating today (within the resample window, not in any daily aggregate yet)
  const today = {
    ...points.find((p) => p.measurement === MEASUREMENTS.rating && p.tags?.commune === C)!,
    timestamp: new Date(NOW - 3_600_000),
  };
  await seedWithDailyAggregates(withDaily, [...points, { ...today, fields: { ...today.fields, id: 'today' } }]);
  await rawOnly.influx.createDatabase(rawOnly.database);
  await rawOnly.influx.writePoints([...points, { ...today, fields: { ...today.fields, id: 'today' } }], {
    database: rawOnly.database,
  });
});

describe('closed days', () => {
  it('are the Vietnam days before today minus the resample window; a span splits at its midnights', () => {
    expect(new Date(closedBefore(NOW)).toISOString()).toBe('2026-11-16T17:00:00.000Z'); // 17/11 00:00 Vietnam time
    expect(splitSpan({ startMs: START, endMs: END }, NOW)).toEqual({ closed: { startMs: START, endMs: END }, raw: [] });
    const week = resolvePeriod('week', NOW); // Monday 16/11 … now: 16/11 closed, 17/11 … now raw
    expect(splitSpan(week, NOW)).toEqual({
      closed: { startMs: week.startMs, endMs: week.startMs + DAY },
      raw: [{ startMs: week.startMs + DAY, endMs: NOW }],
    });
    const mid = { startMs: START + 3_600_000, endMs: START + 5 * DAY + 60_000 };
    expect(splitSpan(mid, NOW)).toEqual({
      closed: { startMs: START + DAY, endMs: START + 5 * DAY },
      raw: [
        { startMs: mid.startMs, endMs: START + DAY },
        { startMs: START + 5 * DAY, endMs: mid.endMs },
      ],
    });
    expect(splitSpan({ startMs: NOW - DAY, endMs: NOW }, NOW)).toEqual({
      closed: null,
      raw: [{ startMs: NOW - DAY, endMs: NOW }],
    });
  });
});

describe('counts from the daily aggregates', () => {
  const spans = () => [
    { startMs: START, endMs: END },
    resolvePeriod('week', NOW),
    resolvePeriod('month', NOW),
    resolvePeriod('month', NOW).previous,
    { startMs: START + 3_600_000, endMs: NOW },
  ];

  it('equal the counts of every raw rating, for every tag and span, and by day', async () => {
    const daily: CountsDeps = {
      run: httpQueryRunner(withDaily.url, withDaily.database),
      database: withDaily.database,
      now: NOW,
    };
    const raw: CountsDeps = {
      run: httpQueryRunner(rawOnly.url, rawOnly.database),
      database: rawOnly.database,
      now: NOW,
    };
    expect(await hasDailyRatings(daily)).toBe(true);
    expect(await hasDailyRatings(raw)).toBe(false);
    let nonEmpty = 0;
    for (const s of spans()) {
      for (const tag of ['commune', 'counter', 'device', 'officer']) {
        const [d, r] = await Promise.all([countsBy(daily, tag, where, s), countsBy(raw, tag, where, s)]);
        expect(sorted(d), `${tag} ${new Date(s.startMs).toISOString()}`).toEqual(sorted(r));
        if (d.size) nonEmpty++;
      }
      expect(sorted(await countsByDay(daily, `"commune" = '${A}'`, s))).toEqual(
        sorted(await countsByDay(raw, `"commune" = '${A}'`, s)),
      );
    }
    expect(nonEmpty).toBeGreaterThan(8);
    // the week: 16/11 from the aggregates (nothing), 17/11 … now raw: the three ratings of 18/11 and today's
    const week = await countsBy(daily, 'commune', where, resolvePeriod('week', NOW));
    expect(sorted(week)).toEqual({ [A]: { 'khong-hai-long': 3 }, [C]: { 'hai-long': 1 } });
  });

  it('ask InfluxDB for closed days once: later requests read them from the cache, and only the recent days raw', async () => {
    const rec = recording(withDaily.url, withDaily.database);
    const deps: CountsDeps = { run: rec.run, database: withDaily.database, now: NOW, cache: new ClosedDayCache() };
    const month = resolvePeriod('month', NOW);
    const first = await countsBy(deps, 'commune', where, month);
    expect(rec.queries.filter((q) => q.includes('"daily"."rating_daily"'))).toHaveLength(1);
    expect(rec.queries.filter((q) => q.includes('FROM "rating"'))).toEqual([
      expect.stringContaining(`time >= ${closedBefore(NOW)}ms AND time < ${NOW}ms`),
    ]);
    rec.queries.length = 0;
    const again = await countsBy(deps, 'commune', where, month);
    expect(sorted(again)).toEqual(sorted(first));
    expect(rec.queries).toHaveLength(1); // the recent days only, raw; no SHOW, no aggregate
    expect(rec.queries[0]).toContain('FROM "rating"');
    expect(deps.cache!.stats.hits).toBe(1);
    // a closed span is all from the cache the second time
    rec.queries.length = 0;
    await countsBy(deps, 'commune', where, month.previous);
    await countsBy(deps, 'commune', where, month.previous);
    expect(rec.queries).toHaveLength(1);
    // another period over cached days asks nothing more of the aggregates (days are cached one by one)
    rec.queries.length = 0;
    await countsBy(deps, 'commune', where, { startMs: month.startMs + 3 * DAY, endMs: closedBefore(NOW) });
    expect(rec.queries).toEqual([]);
    // a cached day is read again after maxAgeMs (a bulk load or a restore can change closed days)
    rec.queries.length = 0;
    await countsBy({ ...deps, now: NOW + deps.cache!.maxAgeMs }, 'commune', where, month.previous);
    expect(rec.queries.filter((q) => q.includes('"daily"."rating_daily"'))).toHaveLength(1);
    // a background refresh re-reads days younger than that when asked to
    rec.queries.length = 0;
    await countsBy({ ...deps, maxAgeMs: 0 }, 'commune', where, month.previous);
    expect(rec.queries.filter((q) => q.includes('"daily"."rating_daily"'))).toHaveLength(1);
    // the cached counts are copies: a caller changing its result changes nothing cached
    first.get(A)!['rat-hai-long'] = 1_000_000;
    expect((await countsBy(deps, 'commune', where, month)).get(A)!['rat-hai-long']).toBe(40);
  });

  it('count a rating stored a moment ago at once (today is read raw)', async () => {
    const deps: CountsDeps = {
      run: httpQueryRunner(withDaily.url, withDaily.database),
      database: withDaily.database,
      now: NOW,
      cache: new ClosedDayCache(),
    };
    const day = { startMs: NOW - 2 * 3_600_000, endMs: NOW };
    expect(sorted(await countsBy(deps, 'commune', where, day))).toEqual({ [C]: { 'hai-long': 1 } });
    await withDaily.influx.writePoints(
      [
        {
          measurement: MEASUREMENTS.rating,
          tags: {
            ...registry.deviceTags(registry.device('xa1-quay1-box')!),
            level: 'rat-hai-long',
            time_quality: 'synced',
          },
          fields: { value: 4, id: 'just-now' },
          timestamp: new Date(NOW - 60_000),
        },
      ],
      { database: withDaily.database },
    );
    expect(sorted(await countsBy(deps, 'commune', where, day))).toEqual({
      [A]: { 'rat-hai-long': 1 },
      [C]: { 'hai-long': 1 },
    });
  });

  it('the ranking asks for the recent raw points once (by box: for the communes and for the silent boxes)', async () => {
    const rec = recording(withDaily.url, withDaily.database);
    const deps = {
      run: rec.run,
      database: withDaily.database,
      now: NOW,
      cache: new ClosedDayCache(),
      influx: withDaily.influx,
    };
    const week = resolvePeriod('week', NOW);
    const r = await areaRanking(deps, registry, [A, C], week, week.previous);
    expect(rec.queries.filter((q) => q.includes('FROM "rating"'))).toHaveLength(1);
    // A: the three of 18/11 and the one stored a moment ago (test above); C: today's
    expect(r.rows.map((x) => [x.code, x.n])).toEqual([
      [C, 1],
      [A, 4],
    ]);
    // A's box 1 rated on 18/11, box 2 not in the last 4 days (today so far and the 3 days before); C's box today
    expect(r.rows.map((x) => x.silentBoxes)).toEqual([[], ['xa1-quay2-box']]);
  });
});
