import type { InfluxDB } from 'influx';
import {
  cqName,
  DAILY_AGGREGATES,
  dailySelectInto,
  type DailyMeasurement,
} from '../devices/storage/continuous-queries.ts';
import { DAILY_RP, DEFAULT_RESAMPLE, RAW_RP, type DownsamplingOptions } from '../devices/storage/retention.ts';

/** The collector applies the contract's retention policies and continuous queries (devices/storage/). */

async function ensurePolicy(influx: InfluxDB, database: string, name: string, duration: string, isDefault: boolean) {
  const existing = await influx.showRetentionPolicies(database);
  const options = { database, duration, replication: 1, isDefault };
  if (existing.some((p) => p.name === name)) await influx.alterRetentionPolicy(name, options);
  else await influx.createRetentionPolicy(name, options);
}

/** Idempotent: creates/updates the policies and (re)creates the CQs whose definition changed. */
export async function ensureDownsampling(
  influx: InfluxDB,
  database: string,
  opts: DownsamplingOptions,
): Promise<{ created: string[] }> {
  await influx.createDatabase(database);
  await ensurePolicy(influx, database, RAW_RP, opts.rawRetention, true);
  await ensurePolicy(influx, database, DAILY_RP, opts.dailyRetention ?? 'INF', false);
  const resample = opts.resample ?? DEFAULT_RESAMPLE;
  const existing = new Map((await continuousQueries(influx, database)).map((c) => [c.name, c.query]));
  const created: string[] = [];
  for (const name of Object.keys(DAILY_AGGREGATES) as DailyMeasurement[]) {
    const cq = cqName(name);
    const select = dailySelectInto(database, name);
    const old = existing.get(cq);
    // SHOW CONTINUOUS QUERIES prints a normalised text; compare loosely (quotes and case) to skip no-op rewrites
    if (old !== undefined && normalise(old).includes(normalise(`RESAMPLE ${resample} BEGIN ${select}`))) continue;
    if (old !== undefined) await influx.dropContinuousQuery(cq, database);
    await influx.createContinuousQuery(cq, select, database, `RESAMPLE ${resample}`);
    created.push(cq);
  }
  return { created };
}

/**
 * The continuous queries of one database. `influx.showContinousQueries(db)` returns the first database's
 * queries whatever `db` is (SHOW CONTINUOUS QUERIES lists every database, one series each).
 */
export async function continuousQueries(
  influx: InfluxDB,
  database: string,
): Promise<{ name: string; query: string }[]> {
  const raw = (await influx.queryRaw('SHOW CONTINUOUS QUERIES')) as {
    results: { series?: { name: string; values?: [string, string][] }[] }[];
  };
  const series = raw.results[0]?.series?.find((s) => s.name === database);
  return (series?.values ?? []).map(([name, query]) => ({ name, query }));
}

function normalise(q: string): string {
  return q.replace(/"/g, '').replace(/\s+/g, ' ').toLowerCase();
}
