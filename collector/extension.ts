import type { IPoint, InfluxDB } from 'influx';
import type { Decoded } from '../devices/contract/index.ts';
import type { DeviceEntry, Registry } from '../devices/registry/index.ts';
import type { UplinkChannel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';

/**
 * The collector is a small core (subscribe, decode, look up the device, batch, write, spool, acknowledge)
 * with one extension per capability, in the manner of zigbee2mqtt: rating, presence, camera, broadcast-log.
 * An extension's constructor only stores its inputs; start/stop own any timers.
 */
export type InboundMessage = Decoded & { entry: DeviceEntry; receivedAt: number };

export type HandleResult =
  /** store these points; when `ackId` is set the device gets it back on tt/v1/<id>/ack once the points are durable */
  | { points: IPoint[]; ackId?: string }
  /** refuse the message: counted in the rejection measurement with this reason */
  | { reject: string; detail: string };

export interface CollectorContext {
  registry: Registry;
  clock: Clock;
  log: Logger;
  influx: InfluxDB;
  database: string;
  /** write points not tied to a message (e.g. presence transitions found by a timer); durable like the rest */
  write(points: IPoint[]): Promise<void>;
  /** publish on an 'about' channel (e.g. alerts) */
  publish(topic: string, payload: Buffer, opts?: { retain?: boolean }): Promise<void>;
}

export interface CollectorExtension {
  readonly name: string;
  readonly channels: readonly UplinkChannel[];
  start?(ctx: CollectorContext): Promise<void>;
  handle(msg: InboundMessage, ctx: CollectorContext): HandleResult;
  stop?(): Promise<void>;
}
