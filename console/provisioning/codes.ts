import { createHash, randomInt } from 'node:crypto';

/**
 * One-time claim codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
 * XXXX-XXXX-XXXX: 31^12 ≈ 8·10^17 codes, so with the claim throttle guessing is hopeless. Only the SHA-256 of a
 * code is stored: a leaked database does not let anyone claim a device.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const LENGTH = 12;

export function newClaimCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** the canonical form of what someone typed (case, spaces and dashes ignored), or undefined if it cannot be a code */
export function normalizeClaimCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const raw = input.toUpperCase().replace(/[\s-]/g, '');
  if (raw.length !== LENGTH || [...raw].some((ch) => !CODE_ALPHABET.includes(ch))) return undefined;
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

export function claimCodeHash(code: string): string {
  return createHash('sha256').update(`thanthien-claim:${code}`).digest('hex');
}
