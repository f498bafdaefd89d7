import { z } from 'zod';
import { Id } from '../ids.ts';
import { UtcTime } from './time.ts';

/** The result of one probe of one counter camera, by the counter's Pi (issue 4 refines this). */
export const CameraPayload = z.strictObject({
  v: z.literal(1),
  camera: Id,
  at: UtcTime,
  up: z.boolean(),
  /** why it is down: connect-refused, timeout, http-status, ... */
  error: z.string().max(200).optional(),
  latencyMs: z.number().nonnegative().optional(),
});
export type CameraPayload = z.infer<typeof CameraPayload>;
