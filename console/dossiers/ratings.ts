import type { InfluxDB } from 'influx';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { LEVEL_KEYS, type LevelKey } from '../../devices/levels.ts';
import type { LevelCounts } from '../../devices/analytics/satisfaction.ts';
import { influxClient } from '../../infra/influx-client.ts';

/** The console's read-only view of stored ratings (the collector's InfluxDB): counts, bound dossiers, bad ratings. */
export type BadRating = {
  id: string;
  time: number;
  commune: string;
  counter: string;
  device: string;
  dossier: string | null;
  officer: string | null;
};

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

export class RatingsSource {
  readonly influx: InfluxDB;
  constructor(readonly cfg: { url: string; database: string }) {
    this.influx = influxClient(cfg.url, cfg.database);
  }

  #q<T>(text: string): Promise<T[]> {
    return this.influx.query<T>(text, { database: this.cfg.database }) as Promise<T[]>;
  }

  /** ratings per level, optionally per tag value (e.g. officer), of one commune in [from, to) */
  async levelCounts(commune: string, from: number, to: number, by?: 'officer'): Promise<Map<string, LevelCounts>> {
    const group = by ? `"level", "${by}"` : '"level"';
    const rows = await this.#q<{ level: LevelKey; officer?: string; n: number }>(
      `SELECT count("value") AS n FROM "${MEASUREMENTS.rating}" WHERE "commune" = '${esc(commune)}' AND time >= ${from}ms AND time < ${to}ms GROUP BY ${group}`,
    );
    const out = new Map<string, LevelCounts>();
    for (const r of rows) {
      if (!LEVEL_KEYS.includes(r.level)) continue;
      const key = by ? (r.officer ?? '') : '';
      const c = out.get(key) ?? {};
      c[r.level] = (c[r.level] ?? 0) + r.n;
      out.set(key, c);
    }
    return out;
  }

  /** dossier numbers of "Không hài lòng" ratings of a commune since `from` */
  async unsatisfiedDossiers(commune: string, from: number): Promise<Set<string>> {
    const rows = await this.#q<{ dossier: string }>(
      `SELECT "dossier" FROM "${MEASUREMENTS.rating}" WHERE "commune" = '${esc(commune)}' AND "level" = 'khong-hai-long' AND "dossier" <> '' AND time >= ${from}ms`,
    );
    return new Set(rows.map((r) => r.dossier));
  }

  /** "Không hài lòng" ratings pressed in [from, to) in these communes (follow-up reconciliation) */
  async badRatings(communes: readonly string[], from: number, to: number): Promise<BadRating[]> {
    if (communes.length === 0) return [];
    const where = communes.map((c) => `"commune" = '${esc(c)}'`).join(' OR ');
    const rows = await this.#q<{
      time: Date;
      id: string;
      commune: string;
      counter?: string;
      device: string;
      dossier?: string | null;
      officer?: string | null;
    }>(
      `SELECT "id", "commune", "counter", "device", "dossier", "officer" FROM "${MEASUREMENTS.rating}" WHERE (${where}) AND "level" = 'khong-hai-long' AND time >= ${from}ms AND time < ${to}ms`,
    );
    return rows.map((r) => ({
      id: r.id,
      time: r.time.getTime(),
      commune: r.commune,
      counter: r.counter ?? '',
      device: r.device,
      dossier: r.dossier || null,
      officer: r.officer || null,
    }));
  }

  /** per counter: ratings and "Không hài lòng" ratings in [from, to) (the negative-share alert rule) */
  async counterShares(
    communes: readonly string[],
    from: number,
    to: number,
  ): Promise<{ commune: string; counter: string; n: number; bad: number }[]> {
    if (communes.length === 0) return [];
    const where = communes.map((c) => `"commune" = '${esc(c)}'`).join(' OR ');
    const rows = await this.#q<{ commune: string; counter: string; level: string; n: number }>(
      `SELECT count("value") AS n FROM "${MEASUREMENTS.rating}" WHERE (${where}) AND time >= ${from}ms AND time < ${to}ms GROUP BY "commune", "counter", "level"`,
    );
    const by = new Map<string, { commune: string; counter: string; n: number; bad: number }>();
    for (const r of rows) {
      const k = `${r.commune}|${r.counter}`;
      const e = by.get(k) ?? { commune: r.commune, counter: r.counter, n: 0, bad: 0 };
      e.n += r.n;
      if (r.level === 'khong-hai-long') e.bad += r.n;
      by.set(k, e);
    }
    return [...by.values()];
  }
}
