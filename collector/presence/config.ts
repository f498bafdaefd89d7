import { z } from 'zod';
import { parseConfig } from '../../infra/config.ts';
import { CollectorError } from '../errors.ts';

/**
 * Presence, device state, camera and alert settings (part of the collector config).
 * Defaults: heartbeat 60 s, silence 3 × 60 s + 30 s = 210 s, swept every 15 s → a power cut without a last will
 * is noticed within 4 min. With the bridge's MQTT keepalive of 30 s the broker fires the will after ≤ 45 s.
 */
export const PresenceConfig = z
  .strictObject({
    /** the devices' heartbeat (state) interval */
    heartbeatS: z.number().positive().default(60),
    /** declare offline after this silence; default 3 × heartbeat + 30 s */
    silenceS: z.number().positive().optional(),
    /** an 'offline' availability is held this long: a reconnect within it (broker restart) cancels it */
    offlineGraceS: z.number().nonnegative().default(60),
    /** no message from anyone for this long means the collector's own link was down; default heartbeat + 30 s */
    resumeGapS: z.number().positive().optional(),
    /** when every online device goes silent at once (collector cut off?), wait this long before declaring them offline */
    fleetSilenceHoldS: z.number().nonnegative().default(600),
    sweepS: z.number().positive().default(15),
    offlineAlertAfterS: z.number().nonnegative().default(600),
    cameraAlertAfterS: z.number().nonnegative().default(600),
    silentBox: z.boolean().default(true),
  })
  .transform((c) => ({
    ...c,
    silenceS: c.silenceS ?? 3 * c.heartbeatS + 30,
    resumeGapS: c.resumeGapS ?? c.heartbeatS + 30,
  }));

export type PresenceConfigInput = z.input<typeof PresenceConfig>;
export type PresenceConfig = z.output<typeof PresenceConfig>;

export function parsePresenceConfig(input: unknown = {}): PresenceConfig {
  return parseConfig(PresenceConfig, input ?? {}, 'presence', {
    what: 'cấu hình trạng thái thiết bị',
    error: (f) => new CollectorError('PRESENCE_CONFIG_INVALID', f.message, f.problems),
  });
}
