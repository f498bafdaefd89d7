import type { InfluxDB, IPoint } from 'influx';
import { influxClient } from '../infra/influx-client.ts';
import type { CollectorConfig } from './config.ts';
import { CollectorError } from './errors.ts';
import { InfluxWriter } from './influx-writer.ts';
import { encodePoint } from './line-protocol.ts';
import { RAW_RP } from '../devices/storage/retention.ts';
import type { MeasurementSchema, StoragePort, WriteOutcome } from './storage.ts';

/** Other setup (e.g. continuous queries for daily aggregates) runs after the database and raw policy exist. */
export type SetupHook = (influx: InfluxDB, database: string) => Promise<void>;

export type InfluxStoreOptions = Pick<CollectorConfig['influx'], 'url' | 'database' | 'username' | 'password'> & {
  /** duration of the raw retention policy made by prepare(); default 730d */
  rawRetention?: string;
  /** the measurements' field types and tags: INTEGER fields become `4i`, unknown tags and fields are refused */
  schemas: readonly MeasurementSchema[];
  /** HTTP timeout of one batch write; default 10 s */
  writeTimeoutMs?: number;
  setup?: readonly SetupHook[];
};

/**
 * The storage port on InfluxDB 1.x: points are encoded with the influx package's schema coercion
 * (line-protocol.ts), batches POSTed as text into the raw policy (influx-writer.ts), reads are InfluxQL.
 */
export class InfluxStore implements StoragePort {
  readonly influx: InfluxDB;
  readonly database: string;
  readonly #writer: InfluxWriter;
  #prepared = false;

  constructor(readonly options: InfluxStoreOptions) {
    this.database = options.database;
    this.influx = influxClient(options.url, options.database, {
      username: options.username,
      password: options.password,
      schema: options.schemas.map((s) => ({ ...s, database: options.database })),
    });
    this.#writer = new InfluxWriter({
      url: options.url,
      database: options.database,
      retentionPolicy: RAW_RP,
      username: options.username,
      password: options.password,
      timeoutMs: options.writeTimeoutMs ?? 10_000,
    });
  }

  encode(point: IPoint): string {
    return encodePoint(this.influx, this.database, point);
  }

  write(lines: readonly string[]): Promise<WriteOutcome> {
    return this.#writer.write(lines.join('\n'));
  }

  /** After an outage at start the database may not exist yet: the first read that finds InfluxDB makes it. */
  async query<T>(influxql: string): Promise<T[]> {
    await this.prepare();
    return [...(await this.influx.query<T>(influxql, { database: this.database }))];
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.influx.ping(2000)).some((h) => h.online);
    } catch {
      return false;
    }
  }

  /** Idempotent: create the database and make RAW_RP its default policy with the configured duration. */
  async prepare(): Promise<void> {
    if (this.#prepared) return;
    const { influx, database } = this;
    await influx.createDatabase(database);
    const policies = await influx.showRetentionPolicies(database);
    const rp = { database, duration: this.options.rawRetention ?? '730d', replication: 1, isDefault: true };
    if (policies.some((p) => p.name === RAW_RP)) await influx.alterRetentionPolicy(RAW_RP, rp);
    else await influx.createRetentionPolicy(RAW_RP, rp);
    for (const hook of this.options.setup ?? []) await hook(influx, database);
    this.#prepared = true;
  }

  /** Encode and write at once, outside the collector's batching (seeding history, fixtures); throws unless stored. */
  async writePoints(points: readonly IPoint[]): Promise<void> {
    const outcome = await this.write(points.map((p) => this.encode(p)));
    if (outcome.kind !== 'ok') throw new CollectorError('STORAGE_WRITE_FAILED', outcome.detail);
  }
}
