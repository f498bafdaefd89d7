import { z } from 'zod';
import { UtcTime } from './time.ts';

/**
 * The alert kinds (collector/presence/alerts.ts):
 * - offline:     the device has been offline longer than the threshold (collector config offlineAlertAfterS);
 * - silent-box:  a rating box was online but recorded no rating through a whole opening half-day of its counter;
 * - camera-down: a counter camera has been probed down longer than the threshold (cameraAlertAfterS).
 */
export const ALERT_KINDS = ['offline', 'silent-box', 'camera-down'] as const;
export const AlertKind = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKind>;

export const AlertState = z.enum(['raised', 'recovered']);
export type AlertState = z.infer<typeof AlertState>;

/**
 * collector → everyone on tt/v1/<deviceId>/alert: an alert raised or recovered. One 'raised' and at most one
 * 'recovered' per incident; `incident` ties them together (the id of the 'raised' message).
 */
export const AlertPayload = z.strictObject({
  v: z.literal(1),
  id: z.uuid(),
  kind: AlertKind,
  state: AlertState,
  at: UtcTime,
  /** the camera id for camera-down; the half-day ("2026-11-25 07:00-11:30", Vietnam time) for silent-box */
  subject: z.string().max(64).optional(),
  /** for 'recovered': the id of the 'raised' alert it closes */
  incident: z.uuid().optional(),
  /** when the condition began (offline since, camera down since, half-day start) */
  since: UtcTime.optional(),
  /** people-facing, Vietnamese */
  message: z.string().max(500),
});
export type AlertPayload = z.infer<typeof AlertPayload>;
