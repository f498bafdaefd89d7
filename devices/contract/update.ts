import { z } from 'zod';
import { UtcTime } from './time.ts';

/** A release version: semver-like, what the release tarball's VERSION file and package.json say. */
export const ReleaseVersion = z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]{1,40})?$/, 'phiên bản dạng 1.2.3');

/** What the province signs (Ed25519) for one release: the tarball's hash and size, so any mirror may serve it. */
export const ReleaseManifest = z.strictObject({
  v: z.literal(1),
  version: ReleaseVersion,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z
    .number()
    .int()
    .positive()
    .max(512 * 1024 * 1024),
  /** when the province signed it (UTC) */
  signedAt: UtcTime,
});
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;

/**
 * Retained on tt/v1/<deviceId>/release, published by the console during a staged rollout: the signed manifest
 * (`sig`: base64 Ed25519 signature of the manifest's canonical JSON, by the province's release key) and where to
 * download the tarball. The URL is not signed: the device trusts the bytes only if they match the manifest.
 */
export const ReleaseAnnouncementPayload = z.strictObject({
  manifest: ReleaseManifest,
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
  url: z.url({ protocol: /^https?$/ }),
  /** the new release must come back and report within this long, or the device rolls back */
  healthTimeoutS: z.number().int().min(30).max(3600).default(180),
});
export type ReleaseAnnouncementPayload = z.infer<typeof ReleaseAnnouncementPayload>;

export const UpdateState = z.enum(['downloading', 'verified', 'updated', 'failed', 'rolled-back']);
export type UpdateState = z.infer<typeof UpdateState>;

/** Retained on tt/v1/<deviceId>/update-status: where the device is with a release. */
export const UpdateStatusPayload = z.strictObject({
  /** the version the device runs now */
  running: ReleaseVersion,
  /** the version this status is about */
  target: ReleaseVersion,
  state: UpdateState,
  /** why it failed or rolled back: bad-signature, sha256-mismatch, too-large, download, install, unhealthy, downgrade, invalid */
  reason: z.string().max(200).optional(),
  at: UtcTime,
});
export type UpdateStatusPayload = z.infer<typeof UpdateStatusPayload>;
