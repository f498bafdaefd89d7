import { z } from 'zod';
import { CommuneCode, Id } from '../ids.ts';
import { UtcTime } from './time.ts';
import { ItemSource, StreamReport } from './stream.ts';

/** The three levels of the smart-radio rules (Circular 39/2020/TT-BTTTT): emergency preempts all, priority is never cut by normal. */
export const Priority = z.enum(['normal', 'priority', 'emergency']);
export type Priority = z.infer<typeof Priority>;

/** The default largest announcement audio: the console stores nothing larger, a speaker downloads nothing larger. */
export const DEFAULT_AUDIO_MAX_BYTES = 20 * 1024 * 1024;

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

/**
 * The unit that issues and signs a document: the speaker's commune, or a unit above it in the registry
 * (its province; its district only where the registry still has districts). Each issuer has its own key,
 * its own retained topic per speaker (ISSUER_CHANNELS) and its own version sequence.
 */
export const IssuerLevel = z.enum(['commune', 'district', 'province']);
export type IssuerLevel = z.infer<typeof IssuerLevel>;
export const Issuer = z.strictObject({ level: IssuerLevel, code: z.string().regex(/^\d{2,5}$/) });
export type Issuer = z.infer<typeof Issuer>;

/** higher levels rank above lower ones: a stop of a level silences its own items and those of the levels below */
export const ISSUER_RANK: Record<IssuerLevel, number> = { commune: 0, district: 1, province: 2 };

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ phải có dạng HH:MM (Vietnam time)');
/** A daily period [from, to) in Vietnam time; from > to wraps past midnight (21:00–05:30). */
export const DailyPeriod = z.strictObject({ from: HourMinute, to: HourMinute });

/**
 * Quiet hours and volume caps set in the console for a commune (or a province, for all its communes),
 * signed inside the document and enforced by the speaker: the union of every accepted issuer's quiet
 * periods and the strictest cap apply to everything the speaker plays (strictest wins).
 */
export const SoundPolicy = z.strictObject({
  quietHours: z.strictObject({
    periods: z.array(DailyPeriod).max(10),
    /** priorities that still play in quiet hours */
    exempt: z.array(Priority).max(3),
  }),
  volumeCaps: z.array(DailyPeriod.extend({ max: z.number().int().min(0).max(100) })).max(24),
});
export type SoundPolicy = z.infer<typeof SoundPolicy>;

/** no non-emergency sound between 21:00 and 05:30 Vietnam time unless a leader changes it */
export const DEFAULT_SOUND_POLICY: SoundPolicy = {
  quietHours: { periods: [{ from: '21:00', to: '05:30' }], exempt: ['emergency'] },
  volumeCaps: [],
};

/**
 * "Dừng phát ngay": while in force the speaker cuts what it plays from this issuer's level and below,
 * switches the amplifier off and drops what is queued. It lasts until a document without it (a leader
 * resumed) or until `until`.
 */
export const StopOrder = z.strictObject({
  id: Id,
  at: UtcTime,
  until: UtcTime.nullable(),
});
export type StopOrder = z.infer<typeof StopOrder>;

const AreaCommunes = z.union([z.literal('all'), z.array(CommuneCode).min(1).max(5000)]);
const AreaHamlets = z.union([z.literal('all'), z.array(Id).min(1).max(5000)]);

/**
 * Every stop an issuing unit has in force, in one signed order retained on the unit's area stop topic
 * (areaStopTopic: tt/v1/stop/<level>/<code>) that all of its speakers subscribe to: one message silences a
 * whole province at once, where the same stop inside each speaker's document takes thousands. Carried signed
 * (SchedulePayload envelope) with the unit's key; `version` strictly increases per unit, so an older order
 * (one a leader has since lifted) replayed is refused. An empty `stops`: nothing stopped (a leader resumed).
 */
export const AreaStopOrder = z.strictObject({
  v: z.literal(1),
  issuer: Issuer,
  version: z.number().int().positive(),
  issuedAt: UtcTime,
  stops: z.array(StopOrder.extend({ communes: AreaCommunes })).max(100),
});
export type AreaStopOrder = z.infer<typeof AreaStopOrder>;

/** which of a unit's speakers an area order's item is for: all or some of its communes, all or some of their hamlets */

/**
 * Every emergency an issuing unit has on the air, in one signed order retained on the unit's area emergency
 * topic (areaTopic('emergency', …): tt/v1/emergency/<level>/<code>) that all of its speakers read: one
 * message reaches a whole province at once, where one document per speaker takes thousands to sign, send
 * and verify. Each item names the communes and hamlets it is for; a speaker plays those that name its own
 * (they merge into its time line as that issuer's items, so the same emergency inside its own document is
 * the same occurrence, played once). Carried signed (SchedulePayload envelope) with the unit's key;
 * `version` strictly increases per unit (an older order, one whose emergency a leader has since ended,
 * replayed is refused). An empty `items`: no emergency on the air.
 */
export const AreaEmergencyOrder = z.strictObject({
  v: z.literal(1),
  issuer: Issuer,
  version: z.number().int().positive(),
  issuedAt: UtcTime,
  items: z
    .array(
      ScheduleItem.extend({ communes: AreaCommunes, hamlets: AreaHamlets }).refine((i) => i.priority === 'emergency', {
        message: 'chỉ thông báo khẩn cấp (emergency items only)',
        path: ['priority'],
      }),
    )
    .max(20),
});
export type AreaEmergencyOrder = z.infer<typeof AreaEmergencyOrder>;
export type AreaEmergencyItem = AreaEmergencyOrder['items'][number];

/** The schedule of one speaker from one issuer: every approved announcement of that issuer for its hamlet. Carried signed (SchedulePayload). */
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
  /** absent: the speaker's commune (documents from before issuers existed) */
  issuer: Issuer.optional(),
  /** the issuer's quiet hours and volume caps; absent: only the unit's local config */
  policy: SoundPolicy.optional(),
  /** a stop in force from this issuer */
  stop: StopOrder.optional(),
});
export type ScheduleDocument = z.infer<typeof ScheduleDocument>;

/**
 * Retained on tt/v1/<speakerId>/schedule. `doc` is the JSON text of a ScheduleDocument exactly as signed,
 * so no canonical JSON is needed; `sig` is Ed25519 over the UTF-8 bytes of `doc`, by the commune's key.
 * A hijacked broker can replay or drop documents, not forge them; replays are refused by version.
 */
export const SchedulePayload = z.strictObject({
  v: z.literal(1),
  doc: z
    .string()
    .min(2)
    .max(240 * 1024),
  sig: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .max(200),
});
export type SchedulePayload = z.infer<typeof SchedulePayload>;

/** wrong-issuer: signed by a trusted key but claiming another issuer (level or unit) than the topic it came on */
export const ScheduleRefusal = z.enum([
  'unsigned',
  'bad-signature',
  'stale',
  'wrong-target',
  'invalid',
  'wrong-issuer',
]);

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
  /** which issuer's document this verdict is about (absent: the commune's) */
  issuer: IssuerLevel.optional(),
  /** the verdict is about that issuer's area order of this kind (tt/v1/<area>/<level>/<code>), not its document */
  area: z.enum(['stop', 'emergency']).optional(),
  /** the active version of every issuer's document (the retained status then tells the whole state) */
  actives: z
    .strictObject({
      commune: z.number().int().nonnegative().optional(),
      district: z.number().int().nonnegative().optional(),
      province: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** the stop in force (its id and issuer), when the speaker is silenced */
  stopped: z.strictObject({ id: Id, level: IssuerLevel }).nullable().optional(),
});
export type ScheduleStatusPayload = z.infer<typeof ScheduleStatusPayload>;

/** What became of one occurrence on a loudspeaker: the collector stores it as a tag, the console counts it. */
export const BroadcastOutcome = z.enum(['played', 'failed', 'skipped', 'missed']);
export type BroadcastOutcome = z.infer<typeof BroadcastOutcome>;

/** What a loudspeaker did with one occurrence of a scheduled announcement. */
export const BroadcastLogPayload = z.strictObject({
  v: z.literal(1),
  /** unique per log; the collector acknowledges it on tt/v1/<id>/ack like ratings */
  id: z.uuid(),
  announcement: Id,
  priority: Priority,
  /** the scheduled start of this occurrence */
  occurrence: UtcTime,
  outcome: BroadcastOutcome,
  startedAt: UtcTime.optional(),
  endedAt: UtcTime.optional(),
  /** why failed / skipped / missed, e.g. player-error, quiet-hours, clock-untrusted, preempted, unit-off */
  reason: z.string().max(200).optional(),
  /** relay and live occurrences: how long the stream really played and how often it dropped */
  stream: StreamReport.optional(),
});
export type BroadcastLogPayload = z.infer<typeof BroadcastLogPayload>;
