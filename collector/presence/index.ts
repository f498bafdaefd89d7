import type { CollectorExtension } from '../extension.ts';
import { parsePresenceConfig, type PresenceConfigInput } from './config.ts';
import { PresenceService } from './service.ts';
import { deviceStateExtension } from './device-state.ts';
import { cameraExtension } from './camera.ts';
import { ALERT_SCHEMA, PRESENCE_SCHEMA } from './schema.ts';

/**
 * Presence and uptime (issue 4). The availability channel (retained, the last will) feeds presence; the state
 * channel (heartbeats) is stored as device_state and also proves life; the camera channel is stored as
 * camera_status. The three share one PresenceService (tracker, alert book, sweep timer).
 *
 * Register in collector/extensions.ts:
 *   const presence = presenceExtensions(config.presence);   // config.presence: PresenceConfigInput | undefined
 *   extensions.push(...presence.extensions);
 * and, on the collector's MQTT client 'connect' event (reconnects included): ext.onBrokerConnect?.(clock.now()) for each.
 * InboundMessage.retained must carry the PUBLISH retain flag (true only for retained replays on subscribe).
 */
export function presenceExtension(service: PresenceService): CollectorExtension {
  return {
    name: 'presence',
    channels: ['availability'],
    schema: [PRESENCE_SCHEMA, ALERT_SCHEMA],
    start: (ctx) => service.start(ctx),
    handle: (msg, ctx) => service.onAvailability(msg, ctx),
    onBrokerConnect: (at) => service.linkUp(at),
    stop: () => service.stop(),
  };
}

export function presenceExtensions(config?: PresenceConfigInput, opts: { newId?: () => string } = {}): {
  service: PresenceService;
  extensions: CollectorExtension[];
} {
  const service = new PresenceService(parsePresenceConfig(config ?? {}), opts.newId);
  return { service, extensions: [presenceExtension(service), deviceStateExtension(service), cameraExtension(service)] };
}

export { PresenceService };
