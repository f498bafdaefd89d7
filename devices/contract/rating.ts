import { z } from 'zod';
import { Level } from '../levels.ts';
import { DossierNumber, OfficerCode, ProcedureCode } from './dossier.ts';
import { TimeQuality, UtcTime } from './time.ts';

/** One citizen's press on a rating box, as published on tt/v1/<deviceId>/rating (QoS 1). */
export const RatingPayload = z.strictObject({
  v: z.literal(1),
  /** unique per rating, made on the device; QoS 1 and outbox replays may deliver it twice */
  id: z.uuid(),
  level: Level,
  /** when the button was pressed (UTC) */
  at: UtcTime,
  time: TimeQuality,
  /** kernel boot id of the press and the press number in that boot: audit trail for the time mapping */
  boot: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  /** optional, additive: the dossier this rating is about (scanned at the box or bound by the one-stop software) */
  dossier: DossierNumber.optional(),
  procedure: ProcedureCode.optional(),
  /** optional: the officer on duty at the press (badge scanned at the box at shift start) */
  officer: OfficerCode.optional(),
});
export type RatingPayload = z.infer<typeof RatingPayload>;
