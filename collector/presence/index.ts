import { parsePresenceConfig, type PresenceConfigInput } from './config.ts';
import { PresenceService } from './service.ts';

/**
 * Presence and uptime, the collector's entry point for it: one extension over the availability, state and
 * camera channels (service.ts), registered in collector/extensions.ts. The core must pass the PUBLISH retain
 * flag (InboundMessage.retained) and call onBrokerConnect on every (re)connect.
 */
export function presenceExtension(config?: PresenceConfigInput, opts: { newId?: () => string } = {}): PresenceService {
  return new PresenceService(parsePresenceConfig(config ?? {}), opts.newId);
}

export { PresenceService };
export { PresenceConfig, type PresenceConfigInput } from './config.ts';
export { PRESENCE_SCHEMAS } from './schema.ts';
