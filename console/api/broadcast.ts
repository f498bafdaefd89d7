import { z } from 'zod';
import { Priority, SoundPolicy } from '../../devices/contract/broadcast.ts';
import { isDateTime } from './calendar.ts';
import { UnitLevel } from './announcement.ts';
import { coded, refusedAs } from './coded.ts';
import type { PreviewEntry as DevicePreviewEntry } from '../../devices/broadcast-preview.ts';

/**
 * Province-wide broadcasting: "Dừng phát ngay" and its resume, the sound policy of a unit, the delivery roll-up
 * and the preview of what each hamlet's speakers will play.
 */

const Code = z.string().max(64);
export const Unit = z.object({ level: UnitLevel, code: z.string() });

const UNTIL = coded('UNTIL_INVALID');
const TARGETS = coded('TARGETS_INVALID');
/** a leader's stop: a commune leader's covers their commune; an upper unit's the chosen communes or all */
export const StopRequest = z.object(
  {
    communes: z
      .union([z.literal('all'), z.array(z.string(TARGETS).max(64, TARGETS)).min(1, TARGETS).max(5000, TARGETS)], {
        error: TARGETS,
      })
      .optional(),
    /** Vietnam time YYYY-MM-DDTHH:mm; absent or blank: until a leader of the same unit resumes */
    until: z
      .string({ error: UNTIL })
      .refine((s) => s === '' || isDateTime(s), UNTIL)
      .nullish(),
  },
  { error: coded('INVALID_INPUT') },
);
export type StopRequest = z.infer<typeof StopRequest>;
export const StopParams = z.object({ id: z.string().max(64, coded('STOP_NOT_FOUND')) });

export const Stop = z.object({
  id: z.string(),
  level: UnitLevel,
  unit: z.string(),
  targets: z.union([z.literal('all'), z.array(z.string())]),
  at: z.string(),
  until: z.string().nullable(),
  createdBy: z.string(),
  liftedAt: z.string().nullable(),
  liftedBy: z.string().nullable(),
});
export type Stop = z.infer<typeof Stop>;
/** a stop as listed: whether it is in force now, and the communes it covers */
export const ListedStop = Stop.extend({ active: z.boolean(), communes: z.array(z.string()) });
export type ListedStop = z.infer<typeof ListedStop>;
export const StopEnvelope = z.object({ id: z.string(), stop: Stop });
export const StopList = z.object({ items: z.array(ListedStop) });
export type StopList = z.infer<typeof StopList>;

export const PolicyQuery = z.object({ commune: Code.optional() });
/** the policy is the contract's (the speakers enforce it): a shape they would refuse is POLICY_INVALID */
export const PolicyRequest = z.object(
  { policy: refusedAs('POLICY_INVALID', SoundPolicy) },
  { error: coded('POLICY_INVALID') },
);
/** a unit's own policy, and (for a commune) what its speakers enforce: the strictest of every level */
export const PolicyAnswer = z.object({
  unit: Unit,
  commune: z.string(),
  policy: SoundPolicy,
  effective: SoundPolicy,
});
export type PolicyAnswer = z.infer<typeof PolicyAnswer>;
export const PolicySet = z.object({ unit: Unit, policy: SoundPolicy });

/** a number of hours, brought into [1, max]; none, zero or garbage is the route's default */
const Hours = (max: number) =>
  z.coerce
    .number()
    .optional()
    .catch(undefined)
    .transform((h) => (h ? Math.min(Math.max(h, 1), max) : undefined));
export const RollupQuery = z.object({
  announcement: z.string().max(64).optional(),
  commune: Code.optional(),
  hours: Hours(24 * 31),
});
const Counts = z.object({ played: z.number(), failed: z.number(), missed: z.number() });
export const SpeakerRollup = z.object({
  id: z.string(),
  counts: Counts,
  /** issuers whose latest document this speaker has not accepted (yet, or refused) */
  behind: z.array(
    z.object({
      level: z.string(),
      issued: z.number(),
      active: z.number(),
      status: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  ),
  lastSeen: z.string().nullable(),
  stopped: z.object({ id: z.string(), level: z.string() }).nullable(),
});
export const HamletRollup = z.object({
  id: z.string(),
  name: z.string(),
  counts: Counts,
  speakers: z.array(SpeakerRollup),
});
export type SpeakerRollup = z.infer<typeof SpeakerRollup>;
export type HamletRollup = z.infer<typeof HamletRollup>;
export const CommuneRollup = z.object({
  code: z.string(),
  name: z.string(),
  counts: Counts,
  behind: z.number(),
  hamlets: z.array(HamletRollup),
});
export type CommuneRollup = z.infer<typeof CommuneRollup>;
export const RollupAnswer = z.object({
  announcement: z.string().optional(),
  since: z.string().optional(),
  communes: z.array(CommuneRollup),
});
export type RollupAnswer = z.infer<typeof RollupAnswer>;

const Instant = z
  .string()
  .max(40)
  .refine((s) => Number.isFinite(Date.parse(s)), coded('INVALID_INPUT', 'Thời điểm không hợp lệ.'));
export const PreviewQuery = z.object({
  commune: Code.optional(),
  hamlet: Code.optional(),
  hours: Hours(24 * 14),
  from: Instant.optional(),
  to: Instant.optional(),
});
export const PreviewEntry = z.object({
  key: z.string(),
  announcement: z.string(),
  title: z.string(),
  issuer: UnitLevel,
  priority: Priority,
  start: z.string(),
  end: z.string(),
  fate: z.enum(['plays', 'quiet-hours', 'stopped', 'pushed-back', 'cut', 'busy']),
  overlaps: z.array(z.string()),
  by: z.string().optional(),
  expectedStart: z.string().optional(),
});
// the preview is computed by the speaker's own rules (devices/broadcast-preview.ts): the schema must stay its shape
type SameAs<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _previewIsTheDevicesShape: SameAs<z.infer<typeof PreviewEntry>, DevicePreviewEntry> = true;
void _previewIsTheDevicesShape;

export const HamletPreview = z.object({
  hamlet: z.string(),
  name: z.string(),
  speakers: z.array(z.string()),
  entries: z.array(PreviewEntry),
});
export type HamletPreview = z.infer<typeof HamletPreview>;
export const PreviewAnswer = z.object({
  commune: z.string(),
  from: z.string(),
  to: z.string(),
  /** each entry with what the speaker will do with it, in words */
  hamlets: z.array(
    HamletPreview.extend({ entries: z.array(PreviewEntry.extend({ fateLabel: z.string(), issuerLabel: z.string() })) }),
  ),
});
export type PreviewAnswer = z.infer<typeof PreviewAnswer>;

/** the public keys to put in the registry (broadcastKey) and the speakers' configuration */
export const KeyList = z.object({ items: z.array(z.object({ unit: z.string(), publicKey: z.string() })) });
