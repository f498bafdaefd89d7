/**
 * Retention: raw points live in the `raw` policy (the database's default) for a configurable period
 * (collector config `rawRetention`); continuous queries (continuous-queries.ts) keep one point per day and
 * per series in the `daily` policy for years. The collector applies both (collector/downsampling.ts).
 */
export const RAW_RP = 'raw';
export const DAILY_RP = 'daily';

/**
 * RESAMPLE EVERY 1h FOR 3d: ratings and logs of a device that was offline reach the collector late
 * (outbox); recomputing the last three days hourly folds them into the daily aggregates. Older days are final:
 * the console reads them from the aggregates and caches them (devices/analytics/rating-counts.ts).
 */
export const RESAMPLE_FOR_DAYS = 3;
export const RESAMPLE_FOR_MS = RESAMPLE_FOR_DAYS * 86_400_000;
export const DEFAULT_RESAMPLE = `EVERY 1h FOR ${RESAMPLE_FOR_DAYS}d`;

export type DownsamplingOptions = {
  /** InfluxDB duration of raw points, e.g. '730d' */
  rawRetention: string;
  /** InfluxDB duration of daily aggregates; default 'INF' */
  dailyRetention?: string;
  /** default DEFAULT_RESAMPLE */
  resample?: string;
};
