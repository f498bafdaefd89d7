import { z } from 'zod';
import { CommuneCode, Id } from '../ids.ts';
import { UtcTime } from './time.ts';
import { ItemSource, StreamReport } from './stream.ts';

/** The three levels of the smart-radio rules (Circular 39/2020/TT-BTTTT): emergency preempts all, priority is never cut by normal. */
export const Priority = z.enum(['normal', 'priority', 'emergency']);
export type Priority = z.infer<typeof Priority>;

/** Audio the speaker fetches over HTTP by content hash and verifies before it may play it. */
export const AudioRef = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** path on the console, e.g. /audio/<sha256>; the speaker joins it to its configured console URL */
  path: z.string().regex(/^\/audio\/[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  durationS: z.number().positive(),
  mime: z.enum(['audio/mpeg', 'audio/wav']),
});
export type AudioRef = z.infer<typeof AudioRef>;

export const ScheduleItem = z.strictObject({
  announcement: Id,
  title: z.string().min(1).max(300),
  priority: Priority,
  audio: AudioRef,
  /** 0–100; the unit also applies its own per-period caps */
  volume: z.number().int().min(0).max(100),
  /** how many times the audio is played back to back in one occurrence */
  repeats: z.number().int().min(1).max(10),
  /** an occurrence later than start + validityS is never played late; it is logged "missed" */
  validityS: z.number().int().min(0).max(86_400),
  /** the starts of the occurrences, expanded by the console from the recurrence (Vietnam time) up to `horizon` */
  occurrences: z.array(UtcTime).max(2000),
  /**
   * what plays: absent or file = `audio`; relay = `audio` (the spoken introduction) then the approved station
   * for the window; live = the console's live mount for the session
   */
  source: ItemSource.optional(),
});
export type ScheduleItem = z.infer<typeof ScheduleItem>;

/** The schedule of one speaker: every approved announcement for its hamlet. Carried signed (ScheduleEnvelope). */
export const ScheduleDocument = z.strictObject({
  v: z.literal(1),
  commune: CommuneCode,
  speaker: Id,
  hamlet: Id,
  /** strictly increasing per speaker; a speaker refuses a version older than (or equal to a different doc with) the one it has */
  version: z.number().int().positive(),
  issuedAt: UtcTime,
  /** occurrences are expanded up to this instant; the console re-issues before it */
  horizon: UtcTime,
  items: z.array(ScheduleItem).max(500),
});
export type ScheduleDocument = z.infer<typeof ScheduleDocument>;

/**
 * Retained on tt/v1/<speakerId>/schedule. `doc` is the JSON text of a ScheduleDocument exactly as signed,
 * so no canonical JSON is needed; `sig` is Ed25519 over the UTF-8 bytes of `doc`, by the commune's key.
 * A hijacked broker can replay or drop documents, not forge them; replays are refused by version.
 */
export const SchedulePayload = z.strictObject({
  v: z.literal(1),
  doc: z.string().min(2).max(240 * 1024),
  sig: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(200),
});
export type SchedulePayload = z.infer<typeof SchedulePayload>;

export const ScheduleRefusal = z.enum(['unsigned', 'bad-signature', 'stale', 'wrong-target', 'invalid']);

/** A speaker's verdict on the schedule it received, retained on tt/v1/<speakerId>/schedule-status. */
export const ScheduleStatusPayload = z.strictObject({
  v: z.literal(1),
  /** the version it runs now (0: none yet) */
  active: z.number().int().nonnegative(),
  /** the version it just received, when it could read one */
  received: z.number().int().nonnegative().optional(),
  status: z.enum(['accepted', 'refused']),
  reason: ScheduleRefusal.optional(),
  at: UtcTime.nullable(),
});
export type ScheduleStatusPayload = z.infer<typeof ScheduleStatusPayload>;

/** What a loudspeaker did with one occurrence of a scheduled announcement. */
export const BroadcastLogPayload = z.strictObject({
  v: z.literal(1),
  /** unique per log; the collector acknowledges it on tt/v1/<id>/ack like ratings */
  id: z.uuid(),
  announcement: Id,
  priority: Priority,
  /** the scheduled start of this occurrence */
  occurrence: UtcTime,
  outcome: z.enum(['played', 'failed', 'skipped', 'missed']),
  startedAt: UtcTime.optional(),
  endedAt: UtcTime.optional(),
  /** why failed / skipped / missed, e.g. player-error, quiet-hours, clock-untrusted, preempted, unit-off */
  reason: z.string().max(200).optional(),
  /** relay and live occurrences: how long the stream really played and how often it dropped */
  stream: StreamReport.optional(),
});
export type BroadcastLogPayload = z.infer<typeof BroadcastLogPayload>;
