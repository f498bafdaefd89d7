/**
 * Retention: raw points live in the `raw` policy (the database's default) for a configurable period
 * (collector config `rawRetention`); continuous queries (continuous-queries.ts) keep one point per day and
 * per series in the `daily` policy for years. The collector applies both (collector/downsampling.ts).
 */
export const RAW_RP = 'raw';
export const DAILY_RP = 'daily';

/**
 * RESAMPLE EVERY 1h FOR 3d: ratings and logs of a device that was offline reach the collector late
 * (outbox); recomputing the last three days hourly folds them into the daily aggregates.
 */
export const DEFAULT_RESAMPLE = 'EVERY 1h FOR 3d';

export type DownsamplingOptions = {
  /** InfluxDB duration of raw points, e.g. '730d' */
  rawRetention: string;
  /** InfluxDB duration of daily aggregates; default 'INF' */
  dailyRetention?: string;
  /** default DEFAULT_RESAMPLE */
  resample?: string;
};
