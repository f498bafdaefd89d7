import type { IPoint, ISchemaOptions } from 'influx';
import type { DeviceTags } from '../devices/registry/index.ts';

/**
 * The collector core's storage port: what it and its extensions need from the time-series store. The
 * InfluxDB 1.x store (influx-store.ts) implements it; `startCollector` builds one unless its deps bring one.
 */
export type MeasurementSchema = Omit<ISchemaOptions, 'database'>;

/** The registry tags every device point carries (registry.deviceTags): each measurement's schema starts with them. */
export const DEVICE_TAGS = [
  'province',
  'district',
  'commune',
  'device',
  'kind',
  'counter',
  'hamlet',
] as const satisfies readonly (keyof DeviceTags)[];

/**
 * What became of one batch write:
 * - ok: stored (InfluxDB answered 204: the batch is in its WAL);
 * - refused: the store refused it for good (HTTP 400, e.g. a field type conflict): retrying is pointless;
 * - unreachable: anything else (connection refused, timeout, 5xx, missing database, auth): spool and retry later.
 */
export type WriteOutcome =
  | { kind: 'ok' }
  | { kind: 'refused'; detail: string }
  | { kind: 'unreachable'; detail: string };

/** An InfluxQL read; rows are the series' points with their tags. */
export type Query = <T>(influxql: string) => Promise<T[]>;

export interface StoragePort {
  /** one point as the store's line, coerced by the registered schemas; throws on an unknown tag or field */
  encode(point: IPoint): string;
  /** write encoded lines as one batch into the raw retention policy */
  write(lines: readonly string[]): Promise<WriteOutcome>;
  query: Query;
  /** does the store answer at all? (probing before a spool drain) */
  ping(): Promise<boolean>;
  /** idempotent: the database, the raw retention policy, then the setup hooks */
  prepare(): Promise<void>;
}
