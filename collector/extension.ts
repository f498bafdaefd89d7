import type { IPoint } from 'influx';
import type { Decoded } from '../devices/contract/index.ts';
import type { DeviceEntry, Registry } from '../devices/registry/index.ts';
import type { UplinkChannel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import type { RefusalReason } from './errors.ts';
import type { MeasurementSchema, Query } from './storage.ts';

/**
 * The collector is a small core (subscribe, decode, look up the device, batch, write, spool, acknowledge)
 * with one extension per capability, in the manner of zigbee2mqtt: rating, broadcast-log, presence (availability,
 * heartbeats and camera probes).
 * An extension's constructor only stores its inputs; start/stop own any timers.
 */
export type InboundMessage = Decoded & {
  entry: DeviceEntry;
  receivedAt: number;
  /** the PUBLISH retain flag: true only for a retained message replayed on (re)subscribe [MQTT-3.3.1-9, -12] */
  retained?: boolean;
};

/** A message of one channel (what an extension handling several channels dispatches on). */
export type InboundOn<C extends UplinkChannel> = Extract<InboundMessage, { channel: C }>;

export type HandleResult =
  /** store these points; when `ackId` is set the device gets it back on tt/v1/<id>/ack once the points are durable */
  | { points: IPoint[]; ackId?: string }
  /** refuse the message: counted in the rejection measurement with this reason (errors.ts REFUSALS) */
  | { reject: RefusalReason; detail: string };

export interface CollectorContext {
  registry: Registry;
  clock: Clock;
  log: Logger;
  /** read the store (InfluxQL), e.g. to rebuild in-memory state on start */
  query: Query;
  /** write points not tied to a message (e.g. presence transitions found by a timer); durable like the rest */
  write(points: IPoint[]): Promise<void>;
  /** publish on an 'about' channel (e.g. alerts); bounded by the collector's publish timeout, never hangs */
  publish(topic: string, payload: Buffer, opts?: { retain?: boolean }): Promise<void>;
}

export interface CollectorExtension {
  readonly name: string;
  readonly channels: readonly UplinkChannel[];
  /**
   * InfluxDB schemas of the measurements this extension writes (optional). With one, field types are
   * coerced (e.g. INTEGER → 4i) and unknown tags/fields are refused at batching time, so a bad point is
   * counted against its message instead of failing a whole write.
   */
  readonly schema?: readonly MeasurementSchema[];
  start?(ctx: CollectorContext): Promise<void>;
  /** the collector's MQTT client (re)connected at `at` (clock ms): e.g. presence restarts its silence deadlines */
  onBrokerConnect?(at: number): void;
  handle(msg: InboundMessage, ctx: CollectorContext): HandleResult;
  stop?(): Promise<void>;
}
