export { startCollector, type Collector, type CollectorDeps } from './collector.ts';
export { CollectorConfig, loadConfig, parseConfig, type CollectorConfigInput } from './config.ts';
export { CollectorError, type CollectorErrorCode } from './errors.ts';
export { collectorExtensions } from './extensions.ts';
export type { SetupHook } from './influx-setup.ts';
export type { MqttFactory } from './mqtt-link.ts';
export type { CollectorStats } from './stats.ts';
export { BROKER_REFUSALS_FILTER } from './broker-refusals.ts';
