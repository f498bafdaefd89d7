export { startCollector, storedSchemas, type Collector, type CollectorDeps } from './collector.ts';
export { CollectorConfig, loadConfig, parseConfig, type CollectorConfigInput } from './config.ts';
export { CollectorError, ERRORS, REFUSALS, type CollectorErrorCode, type RefusalReason } from './errors.ts';
export { collectorExtensions } from './extensions.ts';
export { InfluxStore, type InfluxStoreOptions, type SetupHook } from './influx-store.ts';
export type { MqttFactory } from './mqtt-link.ts';
export type { CollectorStats } from './stats.ts';
export type { MeasurementSchema, Query, StoragePort, WriteOutcome } from './storage.ts';
export { BROKER_REFUSALS_FILTER } from './broker-refusals.ts';
