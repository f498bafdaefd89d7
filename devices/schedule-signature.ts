import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
// biome-ignore lint/style/useImportType: z is used for z.infer beside values of the same names
import { z } from 'zod';
// biome-ignore lint/style/useImportType: ScheduleRefusal is both a schema (value) and a type here
import {
  AreaEmergencyOrder,
  AreaStopOrder,
  ScheduleDocument,
  SchedulePayload,
  ScheduleRefusal,
  type Issuer,
} from './contract/broadcast.ts';
import { issuesDetail } from '../infra/zod-issues.ts';

/**
 * Ed25519 signatures of loudspeaker schedules, so that a hijacked broker cannot make a speaker say
 * anything. The console signs the exact JSON text of the document with the commune key;
 * the speaker verifies those same bytes, so no canonical JSON is needed. Keys are PEM (PKCS#8 private,
 * SPKI public), base64 SPKI DER for public keys, or node KeyObjects.
 */
// biome-ignore lint/suspicious/noRedeclare: the zod schema and the type it infers share one name
export type ScheduleRefusal = z.infer<typeof ScheduleRefusal>;
export type KeyInput = KeyObject | string;

export type ScheduleExpectation = {
  speaker: string;
  hamlet: string;
  commune: string;
  /** the lowest version accepted (inclusive); a speaker passes its active version + 1 */
  minVersion: number;
  /** the issuer the document must name (default: the commune itself, as documents without `issuer` do) */
  issuer?: Issuer;
};

export type VerifyResult =
  | { ok: true; doc: ScheduleDocument }
  | {
      ok: false;
      reason: ScheduleRefusal;
      detail: string /** the version, when the document could be read */;
      version?: number;
    };

function privateKeyOf(key: KeyInput): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

/** keys given as text are parsed once: a speaker checks every document with the same few keys */
const parsedKeys = new Map<string, KeyObject>();

/** A public key as a KeyObject, PEM (SPKI) text, or base64 SPKI DER (the registry's commune.broadcastKey). */
export function publicKeyOf(key: KeyInput): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  const known = parsedKeys.get(key);
  if (known) return known;
  const parsed = key.includes('-----BEGIN')
    ? createPublicKey(key)
    : createPublicKey({ key: Buffer.from(key.trim(), 'base64'), format: 'der', type: 'spki' });
  if (parsedKeys.size >= 1000) parsedKeys.clear();
  parsedKeys.set(key, parsed);
  return parsed;
}

/** A fresh commune key pair as PEM text (console setup, tests). */
export function generateScheduleKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Sign a schedule document: checks it against the contract first (never sign what a speaker would refuse). */
export function signSchedule(doc: ScheduleDocument, privateKey: KeyInput): SchedulePayload {
  const text = JSON.stringify(ScheduleDocument.parse(doc));
  const sig = sign(null, Buffer.from(text, 'utf8'), privateKeyOf(privateKey)).toString('base64');
  return { v: 1, doc: text, sig };
}

/** a refusal's detail: the first issues, as the collector reports them */
const DETAIL = { limit: 5, root: '(root)' };

function isUnsigned(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const sig = (input as { sig?: unknown }).sig;
  return sig === undefined || sig === null || sig === '';
}

function checkSignature(payload: SchedulePayload, publicKey: KeyInput): boolean {
  try {
    const key = publicKeyOf(publicKey);
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(payload.doc, 'utf8'), key, Buffer.from(payload.sig, 'base64'));
  } catch {
    return false;
  }
}

/** a signed document's text, read against its schema */
function parseSigned<S extends z.ZodType>(
  text: string,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, detail: `doc is not JSON: ${(err as Error).message.slice(0, 150)}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, detail: issuesDetail(parsed.error.issues, DETAIL) };
}

type Refusal = { ok: false; reason: ScheduleRefusal; detail: string; version?: number };

/**
 * The document text of a signed envelope (a schedule or an area order), read only once the envelope is signed,
 * well formed and its signature matches the key: a forged document's content is noise.
 */
function signedDoc(input: unknown, publicKey: KeyInput): { ok: true; text: string } | Refusal {
  if (isUnsigned(input)) return { ok: false, reason: 'unsigned', detail: 'no signature' };
  const envelope = SchedulePayload.safeParse(input);
  if (!envelope.success) return { ok: false, reason: 'invalid', detail: issuesDetail(envelope.error.issues, DETAIL) };
  if (!checkSignature(envelope.data, publicKey)) {
    return { ok: false, reason: 'bad-signature', detail: 'Ed25519 signature does not match the issuer key' };
  }
  return { ok: true, text: envelope.data.doc };
}

/** the issuer a document names against the one expected (`wrong-issuer`), then its version (`stale`) */
function issuerOrVersionRefusal(got: Issuer, want: Issuer, version: number, minVersion: number): Refusal | undefined {
  if (got.level !== want.level || got.code !== want.code) {
    return {
      ok: false,
      reason: 'wrong-issuer',
      detail: `issuer ${got.level} ${got.code} ≠ ${want.level} ${want.code}`,
      version,
    };
  }
  if (version < minVersion)
    return { ok: false, reason: 'stale', detail: `version ${version} < ${minVersion}`, version };
  return undefined;
}

function wrongTarget(doc: ScheduleDocument, expect: ScheduleExpectation): string | null {
  if (doc.commune !== expect.commune) return `commune ${doc.commune} ≠ ${expect.commune}`;
  if (doc.speaker !== expect.speaker) return `speaker ${doc.speaker} ≠ ${expect.speaker}`;
  if (doc.hamlet !== expect.hamlet) return `hamlet ${doc.hamlet} ≠ ${expect.hamlet}`;
  return null;
}

/**
 * Verify an envelope received on tt/v1/<speaker>/schedule. Never throws. Order matters: the signature
 * is checked before anything inside the document is believed (a forged document's version or target is noise).
 */
export function verifySchedule(input: unknown, publicKey: KeyInput, expect: ScheduleExpectation): VerifyResult {
  const signed = signedDoc(input, publicKey);
  if (!signed.ok) return signed;
  const parsed = parseSigned(signed.text, ScheduleDocument);
  if (!parsed.ok) return { ok: false, reason: 'invalid', detail: parsed.detail };
  const doc = parsed.value;
  const target = wrongTarget(doc, expect);
  if (target) return { ok: false, reason: 'wrong-target', detail: target, version: doc.version };
  const want = expect.issuer ?? { level: 'commune', code: expect.commune };
  const got = doc.issuer ?? { level: 'commune', code: doc.commune };
  return issuerOrVersionRefusal(got, want, doc.version, expect.minVersion) ?? { ok: true, doc };
}

/** the orders a unit publishes once for all its speakers, on its area topics (areaTopic) */
export const AREA_ORDERS = { stop: AreaStopOrder, emergency: AreaEmergencyOrder } as const;
export type AreaOrderKind = keyof typeof AREA_ORDERS;
export type AreaOrderOf<K extends AreaOrderKind> = z.infer<(typeof AREA_ORDERS)[K]>;

/** Sign an area order (checked against the contract first), in the same envelope as a schedule. */
export function signAreaOrder<K extends AreaOrderKind>(
  kind: K,
  order: AreaOrderOf<K>,
  privateKey: KeyInput,
): SchedulePayload {
  const text = JSON.stringify(AREA_ORDERS[kind].parse(order));
  return { v: 1, doc: text, sig: sign(null, Buffer.from(text, 'utf8'), privateKeyOf(privateKey)).toString('base64') };
}

/** Sign an area stop order (checked against the contract first), in the same envelope as a schedule. */
export function signAreaStop(order: AreaStopOrder, privateKey: KeyInput): SchedulePayload {
  return signAreaOrder('stop', order, privateKey);
}

export type AreaOrderResult<K extends AreaOrderKind> =
  | { ok: true; order: AreaOrderOf<K> }
  | { ok: false; reason: ScheduleRefusal; detail: string; version?: number };
export type AreaStopResult = AreaOrderResult<'stop'>;

/** Verify an order received on an area stop topic (verifyAreaOrder). */
export function verifyAreaStop(
  input: unknown,
  publicKey: KeyInput,
  expect: { issuer: Issuer; minVersion: number },
): AreaStopResult {
  return verifyAreaOrder('stop', input, publicKey, expect);
}

/**
 * Verify an order received on an area topic. Never throws; the signature first, then the issuer the
 * topic belongs to (`wrong-issuer`), then the version (`stale`: not newer than the one the speaker holds).
 */
export function verifyAreaOrder<K extends AreaOrderKind>(
  kind: K,
  input: unknown,
  publicKey: KeyInput,
  expect: { issuer: Issuer; minVersion: number },
): AreaOrderResult<K> {
  const signed = signedDoc(input, publicKey);
  if (!signed.ok) return signed;
  const parsed = parseSigned(signed.text, AREA_ORDERS[kind]);
  if (!parsed.ok) return { ok: false, reason: 'invalid', detail: parsed.detail };
  const order = parsed.value as AreaOrderOf<K>;
  return issuerOrVersionRefusal(order.issuer, expect.issuer, order.version, expect.minVersion) ?? { ok: true, order };
}
