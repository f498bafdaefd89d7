import { isId } from './ids.ts';
import type { DeviceKind } from './kinds.ts';

/**
 * The topic scheme, version 1:   tt/v1/<deviceId>/<channel>
 *
 * The device id is always segment 2, so the broker enforces "a device publishes only
 * its own topics" with one split('/') and no pattern matching. Nobody concatenates topic
 * strings by hand: build with `topicFor`, parse with `parseTopic`.
 *
 * Uplink channels are published by the device itself; downlink channels are published
 * by a service to the device; 'about' channels are published by the collector about the device.
 * The kinds listed may use the channel.
 */
export const TOPIC_ROOT = 'tt';
export const TOPIC_VERSION = 'v1';

export const CHANNELS = {
  /** retained "online"/"offline"; also the device's last will */
  availability: { direction: 'up', kinds: ['rating-box', 'speaker'], retained: true },
  /** heartbeat / device state */
  state: { direction: 'up', kinds: ['rating-box', 'speaker'], retained: true },
  /** one citizen rating */
  rating: { direction: 'up', kinds: ['rating-box'], retained: false },
  /** status of the counter cameras the box's Pi probes */
  camera: { direction: 'up', kinds: ['rating-box'], retained: false },
  /** what a loudspeaker did with one scheduled occurrence */
  'broadcast-log': { direction: 'up', kinds: ['speaker'], retained: false },
  /** a speaker's verdict on the schedule document it received (accepted / refused and why) */
  'schedule-status': { direction: 'up', kinds: ['speaker'], retained: true },
  /** collector → device: ids of messages stored durably (application-level receipt; a PUBACK only means the broker has it) */
  ack: { direction: 'down', kinds: ['rating-box', 'speaker'], retained: false },
  /** integration account (one-stop software) → rating box: the dossier the next rating is about */
  dossier: { direction: 'down', kinds: ['rating-box'], retained: false },
  /** console → speaker: the signed schedule document of the speaker's commune (retained) */
  schedule: { direction: 'down', kinds: ['speaker'], retained: true },
  /** console → speaker: the signed document of the speaker's district (three-tier registries only; retained) */
  'schedule-district': { direction: 'down', kinds: ['speaker'], retained: true },
  /** console → speaker: the signed document of the speaker's province (retained) */
  'schedule-province': { direction: 'down', kinds: ['speaker'], retained: true },
  /** where the device is with a release update (downloading, verified, updated, failed, rolled-back) */
  'update-status': { direction: 'up', kinds: ['rating-box', 'speaker'], retained: true },
  /** console → device: the signed release announcement of a staged rollout (retained) */
  release: { direction: 'down', kinds: ['rating-box', 'speaker'], retained: true },
  /** collector → console, dashboards, Node-RED: an alert raised or recovered about this device */
  alert: { direction: 'about', kinds: ['rating-box', 'speaker'], retained: false },
} as const satisfies Record<
  string,
  { direction: 'up' | 'down' | 'about'; kinds: readonly DeviceKind[]; retained: boolean }
>;

export type Channel = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];
export type UplinkChannel = { [C in Channel]: (typeof CHANNELS)[C]['direction'] extends 'up' ? C : never }[Channel];
export type DownlinkChannel = { [C in Channel]: (typeof CHANNELS)[C]['direction'] extends 'down' ? C : never }[Channel];
export const UPLINK_CHANNELS = CHANNEL_NAMES.filter((c) => CHANNELS[c].direction === 'up') as UplinkChannel[];
export const DOWNLINK_CHANNELS = CHANNEL_NAMES.filter((c) => CHANNELS[c].direction === 'down') as DownlinkChannel[];

export function isChannel(value: string): value is Channel {
  return Object.hasOwn(CHANNELS, value);
}

export function channelAllowedFor(channel: Channel, kind: DeviceKind): boolean {
  return (CHANNELS[channel].kinds as readonly DeviceKind[]).includes(kind);
}

export function topicFor(deviceId: string, channel: Channel): string {
  if (!isId(deviceId)) throw new Error(`invalid device id for a topic: ${JSON.stringify(deviceId)}`);
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${deviceId}/${channel}`;
}

/** Subscription filter for one channel of every device, e.g. tt/v1/+/rating */
export function channelFilter(channel: Channel): string {
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/+/${channel}`;
}

export type ParsedTopic = { deviceId: string; channel: Channel };
export type TopicError = 'topic-foreign' | 'topic-version' | 'topic-shape' | 'topic-device-id' | 'topic-channel';

export function parseTopic(topic: string): { ok: true; value: ParsedTopic } | { ok: false; error: TopicError } {
  const parts = topic.split('/');
  if (parts[0] !== TOPIC_ROOT) return { ok: false, error: 'topic-foreign' };
  if (parts[1] !== TOPIC_VERSION) return { ok: false, error: 'topic-version' };
  if (parts.length !== 4) return { ok: false, error: 'topic-shape' };
  const [, , deviceId, channel] = parts;
  if (!isId(deviceId)) return { ok: false, error: 'topic-device-id' };
  if (!isChannel(channel)) return { ok: false, error: 'topic-channel' };
  return { ok: true, value: { deviceId, channel } };
}

/** The retained topic of each issuer's document: one per issuing unit per speaker, merged on the unit. */
export const ISSUER_CHANNELS = {
  commune: 'schedule',
  district: 'schedule-district',
  province: 'schedule-province',
} as const satisfies Record<'commune' | 'district' | 'province', Channel>;
export type IssuerChannel = (typeof ISSUER_CHANNELS)[keyof typeof ISSUER_CHANNELS];

/**
 * The area topics of an issuing unit: tt/v1/<kind>/<level>/<code>, retained, the console's to publish and every
 * speaker of the unit's communes' to read: `stop` (AreaStopOrder) and `emergency` (AreaEmergencyOrder), one
 * message for all of a unit's speakers. Five segments, so never a device topic.
 */
export const AREA_KINDS = ['stop', 'emergency'] as const;
export type AreaKind = (typeof AREA_KINDS)[number];
export type AreaLevel = keyof typeof ISSUER_CHANNELS;

export function areaTopic(kind: AreaKind, level: AreaLevel, code: string): string {
  if (!/^\d{2,5}$/.test(code)) throw new Error(`invalid unit code for a topic: ${JSON.stringify(code)}`);
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${kind}/${level}/${code}`;
}

export function areaStopTopic(level: AreaLevel, code: string): string {
  return areaTopic('stop', level, code);
}

export function parseAreaTopic(topic: string): { kind: AreaKind; level: AreaLevel; code: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[1] !== TOPIC_VERSION) return null;
  const [, , kind, level, code] = parts;
  if (!(AREA_KINDS as readonly string[]).includes(kind)) return null;
  if (!Object.hasOwn(ISSUER_CHANNELS, level) || !/^\d{2,5}$/.test(code)) return null;
  return { kind: kind as AreaKind, level: level as AreaLevel, code };
}

export function parseAreaStopTopic(topic: string): { level: AreaLevel; code: string } | null {
  const t = parseAreaTopic(topic);
  return t?.kind === 'stop' ? { level: t.level, code: t.code } : null;
}
