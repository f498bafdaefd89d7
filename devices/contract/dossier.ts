import { z } from 'zod';
import { UtcTime } from './time.ts';

/**
 * The dossier (hồ sơ) a rating is about, as numbered by the province's one-stop software, e.g.
 * "000.00.20.H57-250101-0001". Nothing personal travels with it: the number only, and the procedure code.
 * Printable ASCII without spaces or MQTT wildcards, because scanners emit it and InfluxDB stores it.
 */
export const DOSSIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
export const DossierNumber = z
  .string()
  .regex(DOSSIER_PATTERN, 'số hồ sơ: 1–64 ký tự A-Z, a-z, 0-9, . _ : / - (dossier number)');
export type DossierNumber = z.infer<typeof DossierNumber>;

/** Administrative procedure code of the national procedure database, e.g. "1.001612" or "2.000889.000.00.00.H57". */
export const ProcedureCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/, 'mã thủ tục: 1–48 ký tự A-Z, 0-9, . _ - (procedure code)');
export type ProcedureCode = z.infer<typeof ProcedureCode>;

/**
 * An officer's badge code (mã cán bộ), scanned at the box at the start of a shift. A staff identifier,
 * not a name: the console maps it to the person for the commune leader only.
 */
export const OfficerCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'mã cán bộ: 1–32 ký tự A-Z, 0-9, . _ - (officer code)');
export type OfficerCode = z.infer<typeof OfficerCode>;

/**
 * integration account → rating box on tt/v1/<boxId>/dossier (QoS 1, not retained): the counter's one-stop
 * software tells the box which dossier the next rating is about. The broker lets an integration account
 * publish it only to boxes of its communes.
 */
export const DossierBindingPayload = z.strictObject({
  v: z.literal(1),
  dossier: DossierNumber,
  procedure: ProcedureCode.optional(),
  /** when the software sent it (UTC); the box ignores a binding older than its binding lifetime */
  at: UtcTime,
});
export type DossierBindingPayload = z.infer<typeof DossierBindingPayload>;
