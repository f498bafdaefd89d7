/**
 * The storage schema, the second half of the contract: what the collector writes into InfluxDB (measurements,
 * tags, fields), how long it is kept (retention policies), the daily aggregates the continuous queries keep,
 * and the shape InfluxQL answers come back in. The collector writes it; the console, dashboards and report read it.
 */
export * from './continuous-queries.ts';
export * from './influxql.ts';
export * from './measurements.ts';
export * from './retention.ts';
