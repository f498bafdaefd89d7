import { sign, verify } from 'node:crypto';
import { type SignedStation, StationDocument } from './contract/stream.ts';
import { publicKeyOf, type KeyInput } from './schedule-signature.ts';

/** Ed25519 signatures of province-approved relay stations (the same scheme as schedules). */
export function signStation(doc: StationDocument, privateKey: KeyInput): SignedStation {
  const text = JSON.stringify(StationDocument.parse(doc));
  return { doc: text, sig: sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64') };
}

export type StationVerdict = { ok: true; station: StationDocument } | { ok: false; detail: string };

/** Verify a station against the province keys a speaker trusts. */
export function verifyStation(signed: SignedStation, trustedKeys: readonly KeyInput[]): StationVerdict {
  const bytes = Buffer.from(signed.doc, 'utf8');
  const sig = Buffer.from(signed.sig, 'base64');
  const trusted = trustedKeys.some((k) => {
    try {
      const key = publicKeyOf(k);
      return key.asymmetricKeyType === 'ed25519' && verify(null, bytes, key, sig);
    } catch {
      return false;
    }
  });
  if (!trusted) return { ok: false, detail: 'station not signed by a trusted province key' };
  let json: unknown;
  try {
    json = JSON.parse(signed.doc);
  } catch {
    return { ok: false, detail: 'station document is not JSON' };
  }
  const parsed = StationDocument.safeParse(json);
  return parsed.success
    ? { ok: true, station: parsed.data }
    : { ok: false, detail: 'station document does not match the contract' };
}
