import { z } from 'zod';
import { ReleaseAnnouncementPayload, UpdateState } from '../../devices/contract/update.ts';
import { coded, refusedAs } from './coded.ts';

/** Device versions and staged rollouts of a signed release (the province signs offline; the console relays). */

export const DeviceVersion = z.object({
  device: z.string(),
  kind: z.string(),
  /** Hộp đánh giá / Loa */
  kindLabel: z.string(),
  commune: z.string(),
  communeName: z.string(),
  /** from the device's heartbeat */
  version: z.string().nullable(),
  target: z.string().nullable(),
  state: UpdateState.nullable(),
  /** the state in words (Đã cập nhật, Đã quay lại bản cũ, …) */
  stateLabel: z.string().nullable(),
  reason: z.string().nullable(),
  at: z.string().nullable(),
});
export type DeviceVersion = z.infer<typeof DeviceVersion>;
export const DeviceVersionList = z.object({ items: z.array(DeviceVersion) });
export type DeviceVersionList = z.infer<typeof DeviceVersionList>;

/** the signed announcement is the contract's: the Pis check it with the same schema */
export const RolloutRequest = z.object(
  {
    announcement: refusedAs('INVALID_INPUT', ReleaseAnnouncementPayload),
    /** the communes in the order they are updated */
    communes: z
      .array(z.string().max(64), { error: coded('INVALID_INPUT', 'communes') })
      .min(1, coded('INVALID_INPUT', 'communes'))
      .max(5000, coded('INVALID_INPUT', 'communes')),
    perMinute: z
      .number({ error: coded('INVALID_INPUT', 'perMinute') })
      .int(coded('INVALID_INPUT', 'perMinute'))
      .min(1, coded('INVALID_INPUT', 'perMinute'))
      .max(10_000, coded('INVALID_INPUT', 'perMinute')),
  },
  { error: coded('INVALID_INPUT') },
);
export type RolloutRequest = z.infer<typeof RolloutRequest>;

export const Rollout = z.object({
  id: z.number(),
  version: z.string(),
  communes: z.array(z.string()),
  perMinute: z.number(),
  total: z.number(),
  announced: z.number(),
  failed: z.number(),
  done: z.boolean(),
});
export type Rollout = z.infer<typeof Rollout>;
export const RolloutEnvelope = z.object({ id: z.number(), rollout: Rollout });
export const RolloutList = z.object({ items: z.array(Rollout) });
export type RolloutList = z.infer<typeof RolloutList>;
