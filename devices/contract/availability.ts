import { z } from 'zod';

/** Retained on tt/v1/<deviceId>/availability; "offline" is also the device's last will. */
export const AvailabilityPayload = z.strictObject({
  state: z.enum(['online', 'offline']),
});
export type AvailabilityPayload = z.infer<typeof AvailabilityPayload>;
