import { beforeAll, describe, expect, it } from 'vitest';
import { continuousQueries, ensureDownsampling } from '../../collector/downsampling.ts';
import { dailySelectInto } from '../../devices/storage/continuous-queries.ts';
import { DAILY_RP, RAW_RP } from '../../devices/storage/retention.ts';
import { testDatabase } from '../harness/influx.ts';
import { influxQuery, influxWrite, vn } from './influx-http.ts';

const { url, database, influx } = testDatabase('ret');

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const rating = (commune: string, level: string, value: number, at: number, id: string) =>
  `rating,province=99,commune=${commune},counter=q1,device=q1-box,kind=rating-box,level=${level},time_quality=device value=${value}i,id="${id}" ${at}`;

describe('retention and daily continuous queries', () => {
  beforeAll(async () => {
    await ensureDownsampling(influx, database, {
      rawRetention: '30d',
      dailyRetention: '1820d',
      resample: 'EVERY 1s FOR 3d',
    });
  });

  it('creates the raw (default) and daily policies with the configured durations, idempotently', async () => {
    const rps = await influx.showRetentionPolicies(database);
    expect(rps.find((p) => p.name === RAW_RP)).toMatchObject({ duration: '720h0m0s', default: true });
    expect(rps.find((p) => p.name === DAILY_RP)).toMatchObject({ duration: '43680h0m0s', default: false });
    const again = await ensureDownsampling(influx, database, {
      rawRetention: '60d',
      dailyRetention: '1820d',
      resample: 'EVERY 1s FOR 3d',
    });
    expect(again.created).toEqual([]); // same CQs: nothing recreated
    expect((await influx.showRetentionPolicies(database)).find((p) => p.name === RAW_RP)?.duration).toBe('1440h0m0s');
    const changed = await ensureDownsampling(influx, database, {
      rawRetention: '60d',
      dailyRetention: '1820d',
      resample: 'EVERY 2s FOR 3d',
    });
    expect(changed.created).toHaveLength(6); // a changed definition replaces the old CQs
    await ensureDownsampling(influx, database, {
      rawRetention: '60d',
      dailyRetention: '1820d',
      resample: 'EVERY 1s FOR 3d',
    });
    const cqs = await continuousQueries(influx, database);
    expect(cqs.every((c) => c.query.includes('EVERY 1s FOR 3d'))).toBe(true);
    expect(cqs.map((c) => c.name).sort()).toEqual([
      'cq_broadcast_daily',
      'cq_camera_daily',
      'cq_device_state_daily',
      'cq_presence_daily',
      'cq_rating_daily',
      'cq_rejection_daily',
    ]);
  });

  it('the daily SELECT INTO counts ratings per Vietnam day, commune and level', async () => {
    // 23:30 ICT on day D and 00:30 ICT on D+1 fall on different Vietnam days (same UTC day); D is
    // recent because the raw policy drops older points
    const D = new Date(Date.now() - 5 * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
    const D1 = new Date(Date.parse(D) + 86_400_000).toISOString().slice(0, 10);
    const t1 = vn(`${D} 23:30`);
    const t2 = vn(`${D1} 00:30`);
    await influxWrite(
      url,
      database,
      [
        rating('90001', 'hai-long', 3, t1, 'a'),
        rating('90001', 'hai-long', 3, t1 + 1000, 'b'),
        rating('90001', 'khong-hai-long', 1, t2, 'c'),
      ],
      RAW_RP,
    );
    await influxQuery(
      url,
      database,
      dailySelectInto(
        database,
        'rating_daily',
        `time >= ${vn(`${D} 00:00`)}ms AND time < ${vn(`${D1} 00:00`) + 86_400_000}ms`,
      ),
    );
    const s = await influxQuery(
      url,
      database,
      `SELECT "n", "value" FROM "${DAILY_RP}"."rating_daily" WHERE "commune" = '90001' GROUP BY "level"`,
    );
    const got = s.flatMap((x) => x.values.map((v) => [x.tags!.level, v[0], v[1], v[2]]));
    expect(got.sort()).toEqual([
      ['hai-long', vn(`${D} 00:00`), 2, 3],
      ['khong-hai-long', vn(`${D1} 00:00`), 1, 1],
    ]);
  });

  it('the continuous query itself writes the daily aggregate of recent points', async () => {
    const now = Date.now();
    await influxWrite(
      url,
      database,
      [
        rating('90002', 'rat-hai-long', 4, now - 3_600_000, 'x'),
        rating('90002', 'rat-hai-long', 4, now - 3_500_000, 'y'),
      ],
      RAW_RP,
    );
    const n = await waitFor(async () => {
      const s = await influxQuery(
        url,
        database,
        `SELECT sum("n") FROM "${DAILY_RP}"."rating_daily" WHERE "commune" = '90002' AND time > now() - 3d`,
      );
      const v = s[0]?.values[0]?.[1];
      return v === 2 ? v : undefined;
    });
    expect(n).toBe(2);
  });
});

describe('continuous queries of one database', () => {
  it('lists only the named database, though SHOW CONTINUOUS QUERIES lists them all', async () => {
    const other = testDatabase('ret_other');
    await ensureDownsampling(other.influx, other.database, { rawRetention: '30d', resample: 'EVERY 5s FOR 1d' });
    const mine = await continuousQueries(influx, database);
    const theirs = await continuousQueries(other.influx, other.database);
    expect(theirs).toHaveLength(6);
    expect(theirs.every((c) => c.query.includes(`"${other.database}"`) || c.query.includes(other.database))).toBe(true);
    expect(mine.every((c) => !c.query.includes(other.database))).toBe(true);
  });
});
