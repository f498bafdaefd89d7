import { decode, type Decoded } from '../../devices/contract/index.ts';
import { place, placementDetail, type Tags } from './area.ts';
import type { Subscriber } from './subscriber.ts';

/** Bad bytes are shown to the integrator cut short: enough to recognise, never a whole payload. */
export function preview(payload: Buffer): string {
  return payload.subarray(0, 300).toString('utf8');
}

/**
 * Decode one message against the contract and place its device in the node's area. A message of a device
 * outside the area is not this node's business (undefined, even when bad); a bad one inside it goes to
 * output 2 with its reason (undefined); a good one comes back with the device's tags.
 */
export function decodeInArea(
  sub: Subscriber,
  topic: string,
  bytes: Buffer,
): { message: Decoded; tags: Tags } | undefined {
  const d = decode(topic, bytes);
  const at = d.deviceId ? place(d.deviceId, sub.area, sub.config.registry) : undefined;
  if (at?.ok === 'outside') return undefined;
  if (!d.ok) {
    sub.refuse(topic, d.error, d.detail, { device: d.deviceId, raw: preview(bytes) });
    return undefined;
  }
  if (!at?.ok) {
    const reason = at?.reason ?? 'device-unknown';
    sub.refuse(topic, reason, placementDetail(reason, d.deviceId), { device: d.deviceId });
    return undefined;
  }
  return { message: d, tags: at.tags };
}
