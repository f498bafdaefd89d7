import { z } from 'zod';
import { CommuneCode, DistrictCode, Id, ProvinceCode } from '../ids.ts';
import { HASH_PATTERN } from '../credentials.ts';
import { type DeviceKind, ServiceRole } from '../kinds.ts';
import { Level } from '../levels.ts';

/**
 * The administrative registry: province → (district, optional) → commune → hamlets, counters and devices.
 * Vietnam abolished the district level on 1 July 2025; a province may list communes directly
 * (two tiers), under districts (three tiers), or both while a province migrates.
 */
const Name = z.string().trim().min(1).max(200);
const PasswordHash = z
  .string()
  .regex(HASH_PATTERN, 'phải là mã băm scrypt (scrypt$N$r$p$salt$key); dùng `npm run hash-password`');
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ dạng HH:MM');

/** Opening hours of a counter, in Vietnam time. weekdays: 1 = Monday … 7 = Sunday (ISO 8601). */
export const OpeningPeriod = z
  .strictObject({ weekdays: z.array(z.number().int().min(1).max(7)).min(1), open: Clock, close: Clock })
  .refine((p) => p.open < p.close, { message: 'giờ mở cửa phải trước giờ đóng cửa' });

export const CameraProbe = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('rtsp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(554),
  }),
  z.strictObject({ kind: z.literal('http'), url: z.url() }),
]);

export const Camera = z.strictObject({ id: Id, name: Name, probe: CameraProbe });

export const Counter = z.strictObject({
  id: Id,
  name: Name,
  /** Morning and afternoon sessions of the one-stop, Vietnam time (default: Mon–Fri 07:00–11:30, 13:30–17:00) */
  openingHours: z.array(OpeningPeriod).default([
    { weekdays: [1, 2, 3, 4, 5], open: '07:00', close: '11:30' },
    { weekdays: [1, 2, 3, 4, 5], open: '13:30', close: '17:00' },
  ]),
  cameras: z.array(Camera).default([]),
});

export const Hamlet = z.strictObject({ id: Id, name: Name });

const DeviceBase = { id: Id, name: Name.optional(), passwordHash: PasswordHash };
export const Device = z.discriminatedUnion('kind', [
  z.strictObject({
    ...DeviceBase,
    kind: z.literal('rating-box'),
    counter: Id,
    levels: z.array(Level).min(2).optional(),
  }),
  z.strictObject({ ...DeviceBase, kind: z.literal('speaker'), hamlet: Id }),
]);

export const Commune = z.strictObject({
  code: CommuneCode,
  /** full name with its unit, e.g. "Xã Tân Hộ Cơ", "Phường An Lộc" */
  name: Name,
  id: Id,
  hamlets: z.array(Hamlet).default([]),
  counters: z.array(Counter).default([]),
  devices: z.array(Device).default([]),
  /** Ed25519 public key (base64, SPKI DER) the commune's console signs speaker schedules with */
  broadcastKey: z.string().optional(),
});

export const District = z.strictObject({
  code: DistrictCode,
  name: Name,
  communes: z.array(Commune).default([]),
  /** Ed25519 public key (base64, SPKI DER) the district's console signs its documents with */
  broadcastKey: z.string().optional(),
});

export const Province = z.strictObject({
  code: ProvinceCode,
  name: Name,
  /** Ed25519 public key (base64, SPKI DER) the province's console signs its documents and stops with */
  broadcastKey: z.string().optional(),
  districts: z.array(District).default([]),
  communes: z.array(Commune).default([]),
});

export const Service = z.strictObject({
  id: Id,
  role: ServiceRole,
  passwordHash: PasswordHash,
  /** integration clients may be limited to some communes (codes); absent = all */
  communes: z.array(CommuneCode).optional(),
});

export const RegistryFile = z.strictObject({
  version: z.literal(1),
  provinces: z.array(Province).min(1),
  services: z.array(Service).default([]),
});

export type RegistryFile = z.infer<typeof RegistryFile>;
export type Province = z.infer<typeof Province>;
export type District = z.infer<typeof District>;
export type Commune = z.infer<typeof Commune>;
export type Hamlet = z.infer<typeof Hamlet>;
export type Counter = z.infer<typeof Counter>;
export type Camera = z.infer<typeof Camera>;
export type Device = z.infer<typeof Device>;
export type Service = z.infer<typeof Service>;
export type { DeviceKind, ServiceRole };
