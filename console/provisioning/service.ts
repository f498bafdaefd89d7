import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashPassword } from '../../devices/credentials.ts';
import type { Device } from '../../devices/registry/index.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { ownCommune, readableCommunes } from '../access.ts';
import type { Area } from '../area.ts';
import { fail } from '../errors.ts';
import type { User } from '../model.ts';
import type { Store } from '../store/index.ts';
import { claimCodeHash, newClaimCode, normalizeClaimCode } from './codes.ts';
import type { RegistryFileEditor } from './registry-file.ts';
import { ProvisioningStore, type PendingDevice } from './store.ts';
import type { ClaimResponse } from '../../devices/contract/provisioning.ts';
import type { ClaimThrottle } from './throttle.ts';
import type { RegisterInput } from '../api/provisioning.ts';

export type { RegisterInput } from '../api/provisioning.ts';

export type ProvisioningSettings = {
  /** the broker URL the Pis use (e.g. mqtts://may-chu.xa.local:8883) */
  brokerUrl: string;
  /** the CA that signed the broker's certificate, handed to the Pi with its credentials */
  caFile?: string;
  codeTtlHours: number;
};

export type Registration = { deviceId: string; code: string; expiresAt: string; claimText: string };

/** the answer to a Pi's claim: the contract's ClaimResponse */
export type ClaimResult = ClaimResponse;

export type ProvisioningDeps = {
  store: Store;
  area: Area;
  editor: RegistryFileEditor;
  throttle: ClaimThrottle;
  clock: Clock;
  log: Logger;
  settings: ProvisioningSettings;
  broadcastKeyOf(commune: string): string | undefined;
  hashCost?: { N: number; r: number; p: number };
};

/**
 * Provisioning without copying passwords: staff register a device and get a one-time code (and QR); the Pi sends
 * the code once and receives a freshly generated password (only its scrypt hash is kept, in the registry), the
 * broker URL and CA, and for a speaker the commune's signing key. A code works once, expires, and wrong codes are
 * throttled per source and in total.
 */
export class ProvisioningService {
  readonly claims: ProvisioningStore;

  constructor(private readonly deps: ProvisioningDeps) {
    this.claims = new ProvisioningStore(deps.store.db);
  }

  register(user: User, input: RegisterInput): Registration {
    const commune = ownCommune(user, this.deps.area);
    const registry = this.deps.editor.read();
    if (registry.device(input.id) || registry.services.has(input.id)) fail('DEVICE_EXISTS');
    const other = this.claims.get(input.id);
    if (other && (other.state === 'claimed' || other.commune !== commune)) fail('DEVICE_EXISTS');
    const c = registry.communes.get(commune)?.commune;
    const place = input.kind === 'rating-box' ? input.counter : input.hamlet;
    const known =
      input.kind === 'rating-box' ? c?.counters.some((k) => k.id === place) : c?.hamlets.some((h) => h.id === place);
    if (!known) fail('PLACE_UNKNOWN', place);

    const code = newClaimCode();
    const now = this.deps.clock.now();
    const expiresAt = now + this.deps.settings.codeTtlHours * 3_600_000;
    const at = new Date(now).toISOString();
    this.deps.store.tx(() => {
      this.claims.upsertPending(
        {
          deviceId: input.id,
          commune,
          kind: input.kind,
          place,
          name: input.name ?? null,
          createdBy: user.username,
          createdAt: at,
          expiresAt,
        },
        claimCodeHash(code),
      );
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune,
        action: 'device.register',
        target: input.id,
        before: undefined,
        after: { kind: input.kind, place },
      });
    });
    // what the QR holds: the code and where to claim it (the Pi's installer reads either)
    const claimText = `thanthien-claim:${code}`;
    return { deviceId: input.id, code, expiresAt: new Date(expiresAt).toISOString(), claimText };
  }

  list(user: User): PendingDevice[] {
    return this.claims.list(readableCommunes(user, this.deps.area));
  }

  revoke(user: User, deviceId: string): void {
    const commune = ownCommune(user, this.deps.area);
    const d = this.claims.get(deviceId);
    if (!d || d.commune !== commune) fail('NOT_FOUND');
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.tx(() => {
      if (!this.claims.revoke(deviceId)) fail('STATE_CONFLICT');
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune,
        action: 'device.revoke-code',
        target: deviceId,
        before: undefined,
        after: undefined,
      });
    });
  }

  async claim(codeInput: unknown, source: string): Promise<ClaimResult> {
    if (this.deps.throttle.blocked(source)) fail('CLAIM_THROTTLED');
    const code = normalizeClaimCode(codeInput);
    const hash = code ? claimCodeHash(code) : undefined;
    // cheap lookup first: a wrong guess costs no scrypt
    const pending = hash ? this.claims.pendingByCode(hash, this.deps.clock.now()) : undefined;
    if (!hash || !pending) {
      this.deps.throttle.failed(source);
      this.deps.log.warn({ source }, 'device claim refused: unknown, used or expired code');
      fail('CLAIM_INVALID');
    }
    const password = randomBytes(24).toString('base64url');
    const passwordHash = await hashPassword(password, this.deps.hashCost);
    const now = this.deps.clock.now();
    const at = new Date(now).toISOString();
    const device: Device =
      pending.kind === 'rating-box'
        ? {
            kind: 'rating-box',
            id: pending.deviceId,
            counter: pending.place,
            passwordHash,
            ...(pending.name ? { name: pending.name } : {}),
          }
        : {
            kind: 'speaker',
            id: pending.deviceId,
            hamlet: pending.place,
            passwordHash,
            ...(pending.name ? { name: pending.name } : {}),
          };
    const claimed = this.deps.store.tx(() => {
      // the UPDATE is the gate: of two claims racing with the same code only one sees the row still pending
      const row = this.claims.markClaimed(hash, now, at, source);
      if (!row) return undefined;
      this.deps.editor.addDevice(row.commune, device); // throws (and rolls the claim back) if the registry refuses it
      this.deps.store.audit.record({
        at,
        username: `device:${row.deviceId}`,
        commune: row.commune,
        action: 'device.claim',
        target: row.deviceId,
        before: undefined,
        after: { from: source },
      });
      return row;
    });
    if (!claimed) {
      this.deps.throttle.failed(source);
      fail('CLAIM_INVALID');
    }
    this.deps.log.info({ device: claimed.deviceId, commune: claimed.commune, source }, 'device claimed its identity');
    const { caFile, brokerUrl } = this.deps.settings;
    const key = claimed.kind === 'speaker' ? this.deps.broadcastKeyOf(claimed.commune) : undefined;
    return {
      deviceId: claimed.deviceId,
      kind: claimed.kind,
      commune: claimed.commune,
      communeName: this.deps.area.communeName(claimed.commune),
      password,
      broker: { url: brokerUrl, ...(caFile ? { caPem: readFileSync(caFile, 'utf8') } : {}) },
      ...(key ? { broadcastKey: key } : {}),
      ...(claimed.kind === 'speaker' ? { hamlet: pending.place } : {}),
    };
  }
}
