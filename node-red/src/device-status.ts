import type { Channel } from '../../devices/topics.ts';
import { decodeInArea } from './inbound.ts';
import type { RedApi, RedNode } from './red.ts';
import { attachSubscriber, RecentIds, type SubscriberProps } from './subscriber.ts';

export const DEVICE_STATUS_TYPE = 'thanthien-device-status';

export type DeviceStatusProps = SubscriberProps & { availability?: boolean; alerts?: boolean };

/**
 * "device status": availability changes (online/offline, retained, also the device's last will) and the
 * collector's alerts (offline, silent-box, camera-down; raised/recovered) for the chosen area.
 * Output 1: msg.payload = { event: 'availability', device, state, previous, retained }
 *                     or { event: 'alert', device, ...AlertPayload }; msg.tags.
 * Output 2: refused messages { reason, detail, device?, raw }.
 */
export function registerDeviceStatus(RED: RedApi): void {
  RED.nodes.registerType(DEVICE_STATUS_TYPE, function (this: RedNode, props: DeviceStatusProps) {
    RED.nodes.createNode(this, props);
    const channels: Channel[] = [];
    if (props.availability !== false) channels.push('availability');
    if (props.alerts !== false) channels.push('alert');
    // the last state per device: a retained "online" seen again on reconnect is not a change
    const last = new Map<string, 'online' | 'offline'>();
    const recentAlerts = new RecentIds();
    attachSubscriber(RED, this, props, channels, (sub, topic, bytes, retained) => {
      const inbound = decodeInArea(sub, topic, bytes);
      if (!inbound) return;
      const { message: d, tags } = inbound;
      if (d.channel === 'availability') {
        const previous = last.get(d.deviceId) ?? null;
        if (previous === d.payload.state) return;
        last.set(d.deviceId, d.payload.state);
        sub.pass({
          topic,
          payload: { event: 'availability', device: d.deviceId, state: d.payload.state, previous, retained },
          tags,
        });
      } else if (d.channel === 'alert') {
        if (recentAlerts.seen(d.payload.id)) {
          sub.counts.duplicate++;
          return sub.refresh();
        }
        sub.pass({ topic, payload: { event: 'alert', device: d.deviceId, ...d.payload }, tags });
      }
    });
  });
}
