/**
 * Every reason the broker refuses something. Each refusal is counted (stats(), $SYS/tt/broker/refusals/<node>)
 * and logged with the client id and topic, so a dashboard shows misconfigured or hostile clients.
 */
export const REFUSAL_REASONS = [
  'auth-unknown-client',
  'auth-bad-password',
  'auth-client-id-mismatch',
  'auth-missing-credentials',
  'auth-protocol-version',
  'auth-throttled',
  'auth-empty-client-id',
  'connect-keepalive',
  'connect-malformed',
  'connect-timeout',
  'frame-too-large-before-login',
  'frame-too-large',
  'frame-slow',
  'frame-malformed',
  'proxy-header-malformed',
  'auth-busy',
  'publish-foreign-topic',
  'publish-channel-not-allowed',
  'publish-unknown-device',
  'publish-retain-not-allowed',
  'publish-too-large',
  'publish-rate-dropped',
  'publish-read-only',
  'publish-foreign-commune',
  'publish-wildcard-topic',
  'publish-invalid-topic',
  'subscribe-not-allowed',
  'subscribe-wildcard',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason };

export const ALLOWED: Verdict = Object.freeze({ ok: true });

export function refuse(reason: RefusalReason): Verdict {
  return { ok: false, reason };
}
