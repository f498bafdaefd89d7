import type { Registry } from '../devices/registry/index.ts';
import type { DeviceKind, ServiceRole } from '../devices/kinds.ts';
import {
  CHANNELS,
  channelAllowedFor,
  isChannel,
  parseAreaTopic,
  parseTopic,
  TOPIC_ROOT,
  TOPIC_VERSION,
  UPLINK_CHANNELS,
  type Channel,
} from '../devices/topics.ts';
import { isId } from '../devices/ids.ts';
import { ALLOWED, refuse, type Verdict } from './refusals.ts';

/**
 * Topic rights, decided from the authenticated identity alone (pure functions, no aedes).
 * The device id is always segment 2 of tt/v1/<id>/<channel>, so "own topics only" is one split.
 */
export type Identity =
  | { type: 'device'; id: string; kind: DeviceKind; commune: string }
  | { type: 'service'; id: string; role: ServiceRole; communes?: ReadonlySet<string> };

/** Broker-internal topics the collector may read (refusal counts for dashboards). */
export const BROKER_SYS_PREFIX = '$SYS/tt/broker/';

type RoleRights = {
  publish: readonly Channel[];
  subscribe: readonly Channel[];
  brokerSys: boolean;
};

/**
 * What each service role may do; the collector and console act on any device. Integration reads, and writes
 * only the dossier binding (the counter's one-stop software naming the dossier of the next rating), and
 * only to devices of its communes when the registry lists them.
 */
export const ROLE_RIGHTS = {
  collector: { publish: ['ack', 'alert'], subscribe: UPLINK_CHANNELS, brokerSys: true },
  console: {
    publish: ['schedule', 'schedule-district', 'schedule-province', 'release'],
    subscribe: [
      'schedule',
      'schedule-district',
      'schedule-province',
      'schedule-status',
      'broadcast-log',
      'availability',
      'state',
      'alert',
      'update-status',
    ],
    brokerSys: false,
  },
  integration: { publish: ['dossier'], subscribe: [...UPLINK_CHANNELS, 'alert'], brokerSys: false },
} as const satisfies Record<ServiceRole, RoleRights>;

/**
 * An area topic (tt/v1/stop|emergency/<level>/<code>): the console publishes it for a unit of the registry;
 * a speaker reads only those of the units its commune belongs to (its commune, district, province).
 */
function isUnitOf(registry: Registry, area: { level: string; code: string }, deviceId?: string): boolean {
  const placements = deviceId ? [registry.device(deviceId)].filter((e) => e !== undefined) : registry.allCommunes();
  return placements.some(
    (p) =>
      (area.level === 'commune' ? p.commune.code : area.level === 'district' ? p.district?.code : p.province.code) ===
      area.code,
  );
}

function speakerMayRead(who: Identity, topic: string, registry: Registry): boolean {
  const area = parseAreaTopic(topic);
  return !!area && who.type === 'device' && who.kind === 'speaker' && isUnitOf(registry, area, who.id);
}

export function canPublish(who: Identity, topic: string, retain: boolean, registry: Registry): Verdict {
  const area = parseAreaTopic(topic);
  if (area) {
    if (who.type !== 'service' || who.role !== 'console') return refuse('publish-channel-not-allowed');
    return isUnitOf(registry, area) ? ALLOWED : refuse('publish-unknown-device');
  }
  const parsed = parseTopic(topic);
  if (!parsed.ok) return refuse('publish-foreign-topic');
  const { deviceId, channel } = parsed.value;
  if (who.type === 'device') {
    if (deviceId !== who.id) return refuse('publish-foreign-topic');
    if (CHANNELS[channel].direction !== 'up' || !channelAllowedFor(channel, who.kind))
      return refuse('publish-channel-not-allowed');
  } else {
    const rights: RoleRights = ROLE_RIGHTS[who.role];
    if (rights.publish.length === 0) return refuse('publish-read-only');
    if (!rights.publish.includes(channel)) return refuse('publish-channel-not-allowed');
    const target = registry.device(deviceId);
    if (!target) return refuse('publish-unknown-device');
    if (!channelAllowedFor(channel, target.device.kind)) return refuse('publish-channel-not-allowed');
    if (who.communes && !who.communes.has(target.commune.code)) return refuse('publish-foreign-commune');
  }
  if (retain && !CHANNELS[channel].retained) return refuse('publish-retain-not-allowed');
  return ALLOWED;
}

/**
 * Subscription filters. Devices: exactly their own downlink topics, no wildcards.
 * Services: tt/v1/<id or +>/<channel of their role>; the collector also $SYS/tt/broker/...
 * A '#' or a '+' in the channel level is refused: rights are per channel, so filters name one.
 */
export function canSubscribe(who: Identity, filter: string, registry?: Registry): Verdict {
  const hasWildcard = filter.includes('+') || filter.includes('#');
  if (who.type === 'device') {
    if (hasWildcard) return refuse('subscribe-wildcard');
    if (parseAreaTopic(filter))
      return registry && speakerMayRead(who, filter, registry) ? ALLOWED : refuse('subscribe-not-allowed');
    const parsed = parseTopic(filter);
    if (!parsed.ok || parsed.value.deviceId !== who.id) return refuse('subscribe-not-allowed');
    const { channel } = parsed.value;
    if (CHANNELS[channel].direction !== 'down' || !channelAllowedFor(channel, who.kind))
      return refuse('subscribe-not-allowed');
    return ALLOWED;
  }
  const rights: RoleRights = ROLE_RIGHTS[who.role];
  if (filter.startsWith(BROKER_SYS_PREFIX)) return rights.brokerSys ? ALLOWED : refuse('subscribe-not-allowed');
  const parts = filter.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_ROOT || parts[1] !== TOPIC_VERSION)
    return refuse(hasWildcard ? 'subscribe-wildcard' : 'subscribe-not-allowed');
  const [, , device, channel] = parts;
  if (device !== '+' && !isId(device)) return refuse(hasWildcard ? 'subscribe-wildcard' : 'subscribe-not-allowed');
  if (!isChannel(channel) || !rights.subscribe.includes(channel))
    return refuse(channel.includes('+') || channel.includes('#') ? 'subscribe-wildcard' : 'subscribe-not-allowed');
  return ALLOWED;
}

/**
 * May this client receive a message on this concrete topic? Checked on every delivery (authorizeForward),
 * so it also guards offline queues filled through subscriptions a persistent session stored, and it
 * applies the communes restriction of integration clients.
 */
export function canRead(who: Identity, topic: string, registry: Registry): boolean {
  if (parseAreaTopic(topic)) return speakerMayRead(who, topic, registry);
  if (who.type === 'device') {
    const parsed = parseTopic(topic);
    return (
      parsed.ok &&
      parsed.value.deviceId === who.id &&
      CHANNELS[parsed.value.channel].direction === 'down' &&
      channelAllowedFor(parsed.value.channel, who.kind)
    );
  }
  const rights: RoleRights = ROLE_RIGHTS[who.role];
  if (topic.startsWith(BROKER_SYS_PREFIX)) return rights.brokerSys;
  const parsed = parseTopic(topic);
  if (!parsed.ok || !rights.subscribe.includes(parsed.value.channel)) return false;
  if (!who.communes) return true;
  const entry = registry.device(parsed.value.deviceId);
  return !!entry && who.communes.has(entry.commune.code);
}
