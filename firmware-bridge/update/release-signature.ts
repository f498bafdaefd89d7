import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

/**
 * Releases are signed with the province's Ed25519 key: the signature covers the tarball's bytes. The Pi keeps only
 * the public key (bridge config `update.releaseKey`), so a compromised commune server cannot push a release.
 * Signature file: base64 of the 64-byte signature, one line.
 */
export function signRelease(tarball: Buffer, privateKeyPem: string): string {
  return `${sign(null, tarball, createPrivateKey(privateKeyPem)).toString('base64')}\n`;
}

/** true only when `signature` (base64) is the key's signature of exactly these bytes; never throws on garbage */
export function verifyRelease(tarball: Buffer, signature: string, publicKey: string): boolean {
  try {
    const key = publicKey.includes('BEGIN') ? createPublicKey(publicKey) : createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    const sig = Buffer.from(signature.trim(), 'base64');
    if (sig.length !== 64) return false;
    return verify(null, tarball, key, sig);
  } catch {
    return false;
  }
}
