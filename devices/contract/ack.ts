import { z } from 'zod';

/**
 * collector → device on tt/v1/<deviceId>/ack: these message ids are stored durably
 * (in InfluxDB or in the collector's disk spool). Until then the device keeps them in its outbox.
 */
export const AckPayload = z.strictObject({
  ids: z.array(z.string().min(1).max(64)).min(1).max(1000),
});
export type AckPayload = z.infer<typeof AckPayload>;
