import { z } from 'zod';
import { UtcTime } from './time.ts';

/** Counters of presses the rating box did not turn into ratings, by reason. */
export const RejectedPresses = z.strictObject({
  lockout: z.number().int().nonnegative(),
  'outbox-full': z.number().int().nonnegative(),
  /** a second rating for a dossier already rated on this box (optional: older boxes do not send it) */
  'dossier-used': z.number().int().nonnegative().optional(),
});

/** Heartbeat / state, retained on tt/v1/<deviceId>/state. Kind-specific parts are optional sections. */
export const StatePayload = z.strictObject({
  v: z.literal(1),
  /** device wall time when sent, or null while its clock is not synced */
  at: UtcTime.nullable(),
  clockSynced: z.boolean(),
  boot: z.string().min(1).max(64),
  uptimeS: z.number().nonnegative(),
  version: z.string().min(1).max(32),
  /** messages waiting for the collector's receipt */
  outboxDepth: z.number().int().nonnegative(),
  /** rating boxes */
  presses: z.strictObject({ accepted: z.number().int().nonnegative(), rejected: RejectedPresses }).optional(),
  /** loudspeakers: speaker health (relay, last play, player errors, schedule in force) */
  speaker: z
    .strictObject({
      relay: z.enum(['on', 'off']),
      lastPlayAt: UtcTime.nullable(),
      playerErrors: z.number().int().nonnegative(),
      scheduleVersion: z.number().int().nonnegative(),
    })
    .optional(),
});
export type StatePayload = z.infer<typeof StatePayload>;
