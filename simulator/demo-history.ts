import { randomUUID } from 'node:crypto';
import { InfluxDB, type IPoint } from 'influx';
import { DAILY_AGGREGATES, dailySelectInto, type DailyMeasurement } from '../devices/storage/continuous-queries.ts';
import { collectorExtensions } from '../collector/extensions.ts';
import { encodePoint } from '../collector/line-protocol.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import { RAW_RP } from '../devices/storage/retention.ts';
import { idTimestampNs } from '../collector/timestamp.ts';
import { DAY_MS, vnDayStart } from '../devices/time/vietnam.ts';
import { levelValue } from '../devices/levels.ts';
import type { DeviceEntry, Registry } from '../devices/registry/index.ts';
import { rng, visits } from './citizens.ts';
import type { DemoUnit } from '../devices/fixtures/demo-province.ts';

/**
 * History for the embedded default, written in bulk as the collector would have stored it (the same points,
 * tags and timestamps, encoded by the collector's own line-protocol encoder) so that ranking, trends and
 * uptime mean something on first start: ratings, presence transitions (with the collector's midnight
 * checkpoints), heartbeats with press counters, camera probes and loudspeaker logs.
 *
 * Sending months of ratings through MQTT one by one takes minutes; the real path is kept for the last hours
 * (history.ts publishHistory) so a fresh start still shows ratings that went through broker and collector.
 * Resolution: camera probes and heartbeats at their real interval for the last `fineDays`, sparser before
 * (uptime over older periods is computed from presence, which is exact at any age).
 */
export type HistoryOptions = {
  registry: Registry;
  influxUrl: string;
  database: string;
  /** commune code → profile (demo-province.ts); communes without one get an average profile */
  profiles: ReadonlyMap<string, Pick<DemoUnit, 'quality' | 'perHour' | 'reliability'>>;
  from: number;
  to: number;
  /** boxes that get no rating in the last `silentDays` (a broken button panel the dashboards must flag) */
  silentBoxes?: ReadonlySet<string>;
  silentDays?: number;
  fineDays?: number;
  seed?: number;
  /** ratings only (the benchmark's year of a hundred communes): no presence, heartbeats, probes or logs */
  ratingsOnly?: boolean;
};

export type HistoryCounts = { ratings: number; points: number };

const MIN = 60_000;
const HOUR = 3_600_000;
const DEFAULT_PROFILE = { quality: 0.6, perHour: 5, reliability: 0.95 };
/** loudspeaker programmes of the demo: morning and evening news, Vietnam time */
const PROGRAMMES = [
  { id: 'ban-tin-sang', hour: 6 },
  { id: 'ban-tin-chieu', hour: 17 },
];

type Outage = { start: number; end: number };

/** A device's outages: on average (1 - reliability) × 3 per day, 20 min to 8 h each; the last 2 h are clear. */
function outages(random: () => number, reliability: number, from: number, to: number): Outage[] {
  const out: Outage[] = [];
  const perDay = Math.max(0, (1 - reliability) * 3);
  for (let day = from; day < to - 2 * HOUR; day += DAY_MS) {
    if (random() >= perDay) continue;
    const start = day + random() * DAY_MS;
    const end = Math.min(start + 20 * MIN + random() * 8 * HOUR, to - 2 * HOUR);
    if (end > start) out.push({ start, end });
  }
  return out;
}

const isUp = (o: readonly Outage[], t: number) => !o.some((x) => t >= x.start && t < x.end);

export async function writeDemoHistory(opts: HistoryOptions): Promise<HistoryCounts> {
  const random = rng(opts.seed ?? 14);
  // the collector's field types (an integer field must not arrive as a float)
  const schema = collectorExtensions()
    .flatMap((e) => e.schema ?? [])
    .map((x) => ({ ...x, database: opts.database }));
  const influx = new InfluxDB({ database: opts.database, schema });
  const fineFrom = opts.to - (opts.fineDays ?? 8) * DAY_MS;
  const silentFrom = opts.to - (opts.silentDays ?? 3) * DAY_MS;
  const lines: string[] = [];
  let ratings = 0;
  const put = (p: IPoint) => lines.push(encodePoint(influx, opts.database, p));
  const tagsOf = (e: DeviceEntry) => opts.registry.deviceTags(e);

  for (const entry of opts.registry.devices.values()) {
    const profile = opts.profiles.get(entry.commune.code) ?? DEFAULT_PROFILE;
    const down = outages(random, profile.reliability, opts.from, opts.to);
    const tags = tagsOf(entry);
    if (opts.ratingsOnly && entry.device.kind !== 'rating-box') continue;
    // presence: online from the start, each outage a silence verdict and a reconnect, midnight checkpoints
    if (!opts.ratingsOnly)
      put({
        measurement: MEASUREMENTS.presence,
        tags,
        fields: { online: 1, source: 'availability' },
        timestamp: new Date(opts.from),
      });
    for (const o of opts.ratingsOnly ? [] : down) {
      put({
        measurement: MEASUREMENTS.presence,
        tags,
        fields: { online: 0, source: 'silence' },
        timestamp: new Date(o.start),
      });
      put({
        measurement: MEASUREMENTS.presence,
        tags,
        fields: { online: 1, source: 'availability' },
        timestamp: new Date(o.end),
      });
    }
    for (let m = vnDayStart(opts.from) + DAY_MS; !opts.ratingsOnly && m < opts.to; m += DAY_MS) {
      put({
        measurement: MEASUREMENTS.presence,
        tags,
        fields: { online: isUp(down, m) ? 1 : 0, source: 'checkpoint' },
        timestamp: new Date(m),
      });
    }

    // ratings and the press counters the heartbeats carry (cumulative per boot: an outage is a power cut)
    const pressesAt: { at: number; rejected: number }[] = [];
    if (entry.device.kind === 'rating-box' && entry.counter) {
      const quality = Math.min(1, Math.max(0, profile.quality + (random() - 0.5) * 0.2));
      for (const v of visits({
        counter: entry.counter,
        from: opts.from,
        to: opts.to,
        perHour: profile.perHour,
        quality,
        random,
      })) {
        if (!isUp(down, v.at) || (opts.silentBoxes?.has(entry.device.id) && v.at >= silentFrom)) continue;
        const id = randomUUID();
        put({
          measurement: MEASUREMENTS.rating,
          tags: { ...tags, level: v.level, time_quality: 'synced' },
          fields: { value: levelValue(v.level), id },
          timestamp: idTimestampNs(v.at, id),
        });
        pressesAt.push({ at: v.at, rejected: v.hammering });
        ratings++;
      }
    }
    if (opts.ratingsOnly) continue;
    let boot = opts.from;
    let accepted = 0;
    let rejected = 0;
    let k = 0;
    for (let t = opts.from; t < opts.to; t += t < fineFrom ? HOUR : 10 * MIN) {
      for (; k < pressesAt.length && pressesAt[k].at <= t; k++) {
        accepted++;
        rejected += pressesAt[k].rejected;
      }
      if (!isUp(down, t)) {
        boot = t;
        accepted = 0;
        rejected = 0;
        continue;
      }
      const fields: Record<string, number | string | boolean> = {
        uptime_s: Math.round((t - boot) / 1000),
        outbox_depth: 0,
        clock_synced: true,
        version: 'demo',
      };
      if (entry.device.kind === 'rating-box')
        Object.assign(fields, { presses_accepted: accepted, rejected_lockout: rejected, rejected_outbox_full: 0 });
      put({ measurement: MEASUREMENTS.deviceState, tags, fields, timestamp: new Date(t) });
    }

    // the box's Pi probes its counter's cameras while it is up; one camera in ten is broken for a few days
    if (entry.device.kind === 'rating-box' && entry.counter) {
      for (const cam of entry.counter.cameras) {
        const brokenFrom =
          random() < 0.1 ? opts.from + random() * (opts.to - opts.from - 3 * DAY_MS) : Number.POSITIVE_INFINITY;
        for (let t = opts.from; t < opts.to; t += t < fineFrom ? 10 * MIN : MIN) {
          if (!isUp(down, t)) continue;
          const up = !(t >= brokenFrom && t < brokenFrom + 3 * DAY_MS);
          put({
            measurement: MEASUREMENTS.camera,
            tags: { ...tags, camera: cam.id },
            fields: up ? { up: 1, latency_ms: 8 + Math.round(random() * 20) } : { up: 0, error: 'timeout' },
            timestamp: new Date(t),
          });
        }
      }
    }

    // loudspeaker logs: the daily programmes, played when the speaker was up, missed otherwise
    if (entry.device.kind === 'speaker') {
      for (let day = vnDayStart(opts.from); day < opts.to; day += DAY_MS) {
        for (const p of PROGRAMMES) {
          const at = day + p.hour * HOUR;
          if (at < opts.from || at >= opts.to) continue;
          const played = isUp(down, at);
          const occurrence = new Date(at).toISOString();
          const fields: Record<string, string | number> = {
            id: `${entry.device.id}:${p.id}:${occurrence}`,
            occurrence,
          };
          if (played)
            Object.assign(fields, {
              started_at: occurrence,
              ended_at: new Date(at + 180_000).toISOString(),
              duration_s: 180,
            });
          else fields.reason = 'offline';
          put({
            measurement: MEASUREMENTS.broadcast,
            tags: { ...tags, announcement: p.id, outcome: played ? 'played' : 'missed', priority: 'normal' },
            fields,
            timestamp: new Date(at + (played ? 180_000 : 0)),
          });
        }
      }
    }
  }
  await postLines(opts.influxUrl, opts.database, lines);
  if (!opts.ratingsOnly) await backfillDailyAggregates(opts.influxUrl, opts.database, opts.from, opts.to);
  return { ratings, points: lines.length };
}

/** POST line protocol in chunks, two at a time (the machine may be shared; influxd does the work). */
export async function postLines(
  url: string,
  database: string,
  lines: readonly string[],
  chunk = 20_000,
): Promise<void> {
  const u = new URL('/write', url);
  u.searchParams.set('db', database);
  u.searchParams.set('rp', RAW_RP);
  u.searchParams.set('precision', 'n');
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += chunk) chunks.push(lines.slice(i, i + chunk).join('\n'));
  const send = async (body: string) => {
    const res = await fetch(u, { method: 'POST', body, signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`InfluxDB write failed (${res.status}): ${await res.text()}`);
  };
  for (let i = 0; i < chunks.length; i += 2) await Promise.all(chunks.slice(i, i + 2).map(send));
}

/** The continuous queries only aggregate recent days: run them once over the loaded history. */
async function backfillDailyAggregates(url: string, database: string, from: number, to: number): Promise<void> {
  const where = `time >= ${vnDayStart(from)}ms AND time < ${to}ms`;
  for (const name of Object.keys(DAILY_AGGREGATES) as DailyMeasurement[]) {
    const body = new URLSearchParams({ db: database, q: dailySelectInto(database, name, where) });
    const res = await fetch(new URL('/query', url), { method: 'POST', body, signal: AbortSignal.timeout(120_000) });
    const json = (await res.json().catch(() => ({}))) as { results?: { error?: string }[] };
    if (!res.ok || json.results?.[0]?.error)
      throw new Error(`daily backfill ${name}: ${json.results?.[0]?.error ?? res.status}`);
  }
}
