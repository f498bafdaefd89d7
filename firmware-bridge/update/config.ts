import { z } from 'zod';
import { isEd25519PublicKey } from '../ed25519-key.ts';

/** units.update of the bridge config */
export const UpdateConfig = z.strictObject({
  /** the province's release key: base64 SPKI DER (or PEM) */
  releaseKey: z
    .string()
    .min(40)
    .refine(isEd25519PublicKey, { message: 'không phải khoá công khai Ed25519 (not an Ed25519 public key)' }),
  /** where releases/<version> and the `current` link live */
  root: z.string().min(1).default('/opt/thanthien'),
  /** the new release must stay up this long after hearing from the broker to count as healthy */
  settleS: z.number().int().min(1).max(600).default(30),
});
export type UpdateConfig = z.output<typeof UpdateConfig>;
