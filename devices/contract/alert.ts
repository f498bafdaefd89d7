import { z } from 'zod';
import { UtcTime } from './time.ts';

/** collector → everyone on tt/v1/<deviceId>/alert: an alert raised or recovered (issue 4 refines this). */
export const AlertPayload = z.strictObject({
  v: z.literal(1),
  id: z.uuid(),
  /** offline: silent longer than the threshold; silent-box: online but no rating through an opening half-day; camera-down */
  kind: z.enum(['offline', 'silent-box', 'camera-down']),
  state: z.enum(['raised', 'recovered']),
  at: UtcTime,
  /** the camera id for camera-down */
  subject: z.string().max(64).optional(),
  message: z.string().max(500),
});
export type AlertPayload = z.infer<typeof AlertPayload>;
