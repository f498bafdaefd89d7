import { publicKeyOf } from '../devices/schedule-signature.ts';

/** true for an Ed25519 public key as PEM or base64 SPKI DER (the registry's form); never throws (config refinements) */
export function isEd25519PublicKey(text: string): boolean {
  try {
    return publicKeyOf(text).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}
