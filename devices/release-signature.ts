import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ReleaseManifest } from './contract/index.ts';

/**
 * Releases are signed with the province's Ed25519 key. The signature covers the manifest (version, the tarball's
 * SHA-256 and size, time of signing) in a canonical JSON form, so the tarball may come from any mirror. The Pis
 * keep only the public key (bridge config `update.releaseKey`): a compromised commune server cannot forge one.
 */
export function canonicalManifest(m: ReleaseManifest): Buffer {
  return Buffer.from(
    JSON.stringify({ v: m.v, version: m.version, sha256: m.sha256, bytes: m.bytes, signedAt: m.signedAt }),
  );
}

export function signManifest(m: ReleaseManifest, privateKeyPem: string): string {
  return sign(null, canonicalManifest(m), createPrivateKey(privateKeyPem)).toString('base64');
}

/** base64 SPKI DER (as in the registry) or PEM */
export function releasePublicKey(key: string): KeyObject {
  return key.includes('BEGIN')
    ? createPublicKey(key)
    : createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
}

/** true only for the key's signature of exactly this manifest; never throws on garbage */
export function verifyManifest(m: ReleaseManifest, signature: string, publicKey: KeyObject): boolean {
  try {
    const sig = Buffer.from(signature, 'base64');
    return sig.length === 64 && verify(null, canonicalManifest(m), publicKey, sig);
  } catch {
    return false;
  }
}
