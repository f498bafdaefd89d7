import { z } from 'zod';

/**
 * What connects to the broker. Devices (one Raspberry Pi each) publish their own topics;
 * services have roles with their own topic rights (broker/acl.ts).
 * Counter cameras are not MQTT clients: the counter's rating-box Pi probes them (registry: counter.cameras).
 */
export const DEVICE_KINDS = ['rating-box', 'speaker'] as const;
export const DeviceKind = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const SERVICE_ROLES = ['collector', 'console', 'integration'] as const;
export const ServiceRole = z.enum(SERVICE_ROLES);
export type ServiceRole = z.infer<typeof ServiceRole>;
