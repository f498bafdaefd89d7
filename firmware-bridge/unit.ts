import type { Payload } from '../devices/contract/index.ts';
import type { StatePayload } from '../devices/contract/state.ts';
import type { DownlinkChannel, UplinkChannel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import type { BridgeConfig } from './config.ts';
import type { GpioBoard } from './io/io.ts';
import type { Outbox } from './outbox/outbox.ts';
import type { ReceiptChannel } from './outbox/records.ts';

/**
 * The bridge on a Pi runs one unit per capability (rating box, loudspeaker, camera probe), like
 * zigbee2mqtt's extensions. A unit's constructor only stores its inputs; start/stop own pins and timers.
 */
export type { ReceiptChannel } from './outbox/records.ts';

export interface TrustedTime {
  /** is the wall clock trustworthy now (NTP / modem / RTC synced, and not before the epoch floor)? */
  synced(): boolean;
  /** resolves once the clock is trusted (never rejects; may wait forever) */
  whenSynced(): Promise<void>;
}

/**
 * Area topics are read at QoS 0: their messages are retained, so one lost with a broken connection comes
 * again on the reconnect, and thousands of speakers do not each send a PUBACK for one province-wide stop.
 */
export const AREA_QOS = 0;

export type AreaMessage = { ok: true; payload: unknown } | { ok: false; error: string; detail: string };

export interface BridgeContext {
  deviceId: string;
  clock: Clock;
  time: TrustedTime;
  log: Logger;
  /** this unit's own folder for durable files */
  dataDir: string;
  /** durable: the message stays on disk until the collector acknowledges its id on tt/v1/<id>/ack */
  outbox: {
    add<C extends ReceiptChannel>(channel: C, payload: Payload<C>): Promise<void>;
    depth(): number;
  };
  /** state-like messages without a receipt (availability, state, schedule-status, camera) */
  publish<C extends UplinkChannel>(channel: C, payload: Payload<C>, opts?: { retain?: boolean; qos?: 0 | 1 }): void;
  /** downlink messages for this device; invalid ones are passed as an error so the unit can report them */
  subscribe<C extends DownlinkChannel>(
    channel: C,
    handler: (msg: { ok: true; payload: Payload<C> } | { ok: false; error: string; detail: string }) => void,
  ): void;
  /**
   * a retained topic of the units the device belongs to (an area stop topic, tt/v1/stop/<level>/<code>):
   * the JSON payload as received, or the error; the unit verifies it. Absent on a context without a network.
   */
  subscribeArea?(topic: string, handler: (msg: AreaMessage) => void): void;
  /** add a section to the periodic state/heartbeat message */
  contributeState(fn: () => Partial<Pick<StatePayload, 'presses' | 'speaker'>>): void;
}

export interface BridgeUnit {
  readonly name: string;
  start(ctx: BridgeContext): Promise<void>;
  stop(): Promise<void>;
}

/** What the bridge core hands a unit's factory: the opened board and the durable outbox, before anything starts. */
export type UnitEnv = {
  board: GpioBoard;
  config: Readonly<BridgeConfig>;
  boot: string;
  /** the durable outbox itself (a unit that stores receipts whose time may still be unknown, e.g. ratings) */
  outbox: Outbox;
  /** resolve the outbox's pending times now (the clock may have become trusted meanwhile) */
  resolveTimes(): Promise<void>;
};

/**
 * Every unit is built the same way: from its validated config section (`units.<key>` of the bridge config,
 * its schema composed into the bridge's) and the environment. A factory only builds; start() owns pins and timers.
 */
export type UnitFactory<Section> = (section: Section, env: UnitEnv) => BridgeUnit | Promise<BridgeUnit>;

/** a unit's factory with its section bound (what the core builds units from; tests pass their own) */
export type UnitBuilder = (env: UnitEnv) => BridgeUnit | Promise<BridgeUnit>;
