import { z } from 'zod';
import { AudioRef, BroadcastOutcome, Priority } from '../../devices/contract/broadcast.ts';
import { SignedStation } from '../../devices/contract/stream.ts';
import { isDate, isDateTime, isTime } from './calendar.ts';
import { coded } from './coded.ts';

/**
 * The console API's announcement contract: what staff and API clients (Node-RED) send, what the console
 * answers. Routes validate and serialize with these schemas; the browser and Node-RED take their types from
 * here. Rules that need the registry or the clock (whose hamlet, not in the past, quiet hours) stay in the
 * service (console/validate.ts), with the same coded errors.
 */

const blankOrMissing = (input: unknown) => input == null || (typeof input === 'string' && input.trim() === '');

/** a calendar value: blank is "choose one", a wrong shape is "this is the format" */
function calendarField(check: (s: string) => boolean, missing: string, invalid: string) {
  return z
    .string({
      error: (iss) =>
        iss.input == null ? coded('SCHEDULE_TIME_MISSING', missing) : coded('SCHEDULE_INVALID', invalid),
    })
    .refine((s) => !blankOrMissing(s), coded('SCHEDULE_TIME_MISSING', missing))
    .refine((s) => blankOrMissing(s) || check(s), coded('SCHEDULE_INVALID', invalid));
}

const DAY_INVALID = 'Ngày không đúng; hãy chọn theo dạng ngày/tháng/năm, ví dụ 05/09/2027.';
const Time = calendarField(
  isTime,
  'Hãy chọn giờ phát.',
  'Giờ phát không đúng; hãy nhập giờ:phút theo 24 giờ, ví dụ 17:30.',
);
const From = calendarField(isDate, 'Hãy chọn ngày bắt đầu.', DAY_INVALID);
const To = calendarField(isDate, 'Hãy chọn ngày kết thúc.', DAY_INVALID);
const At = calendarField(
  isDateTime,
  'Hãy chọn ngày và giờ phát.',
  'Ngày giờ phát không đúng; hãy chọn theo dạng ngày/tháng/năm giờ:phút, ví dụ 05/09/2027 07:30.',
);
const WEEKDAY_INVALID = coded('SCHEDULE_INVALID', 'Ngày trong tuần là số từ 1 (thứ Hai) đến 7 (Chủ nhật).');
const Weekdays = z
  .array(z.number({ error: WEEKDAY_INVALID }).int(WEEKDAY_INVALID).min(1, WEEKDAY_INVALID).max(7, WEEKDAY_INVALID), {
    error: coded('WEEKDAYS_EMPTY'),
  })
  .min(1, coded('WEEKDAYS_EMPTY'))
  .transform((days) => [...new Set(days)].sort());
const inOrder = (s: { from: string; to: string }) => s.from <= s.to;

/** Recurrence as the people who schedule think of it: Vietnam time, dates and clock times. */
export const ScheduleRequest = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('once'), at: At }),
    z.object({ kind: z.literal('daily'), time: Time, from: From, to: To }).refine(inOrder, coded('SCHEDULE_RANGE')),
    z
      .object({ kind: z.literal('weekly'), weekdays: Weekdays, time: Time, from: From, to: To })
      .refine(inOrder, coded('SCHEDULE_RANGE')),
  ],
  { error: coded('SCHEDULE_INVALID', 'Kiểu lịch phải là: một lần, hằng ngày hoặc hằng tuần.') },
);
export type ScheduleRequest = z.infer<typeof ScheduleRequest>;

/**
 * a stored schedule: what people chose (as ScheduleRequest leaves it), or an emergency's one occurrence at the
 * instant of approval (UTC). Plain shapes: answers are serialized through it.
 */
export const Schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('once'), at: z.string() }),
  z.object({ kind: z.literal('daily'), time: z.string(), from: z.string(), to: z.string() }),
  z.object({
    kind: z.literal('weekly'),
    weekdays: z.array(z.number()),
    time: z.string(),
    from: z.string(),
    to: z.string(),
  }),
  z.object({ kind: z.literal('immediate'), at: z.string() }),
]);
export type Schedule = z.infer<typeof Schedule>;

export const Title = z
  .string({ error: coded('TITLE_EMPTY') })
  .trim()
  .min(1, coded('TITLE_EMPTY'))
  .max(300, coded('INVALID_INPUT', 'Tiêu đề tối đa 300 ký tự.'));
/** the text read out by speech synthesis (its length limit is the console's configuration) */
export const SpokenText = z
  .string({ error: coded('TEXT_EMPTY') })
  .trim()
  .min(1, coded('TEXT_EMPTY'));
export const HamletChoice = z.union([z.literal('all'), z.array(z.string()).min(1, coded('HAMLETS_EMPTY'))], {
  error: coded('HAMLETS_EMPTY'),
});
/** the communes an announcement from a province (or district) is for */
export const CommuneChoice = z.union([z.literal('all'), z.array(z.string()).min(1, coded('TARGETS_INVALID'))], {
  error: coded('TARGETS_INVALID'),
});
export const Repeats = z
  .number({ error: coded('REPEATS_INVALID') })
  .int(coded('REPEATS_INVALID'))
  .min(1, coded('REPEATS_INVALID'))
  .max(10, coded('REPEATS_INVALID'));
export const Volume = z
  .number({ error: coded('VOLUME_INVALID') })
  .int(coded('VOLUME_INVALID'))
  .min(0, coded('VOLUME_INVALID'))
  .max(100, coded('VOLUME_INVALID'));
export const PriorityChoice = z.enum(Priority.options, { error: coded('PRIORITY_INVALID') });
const AudioHash = z.string({ error: coded('AUDIO_UNKNOWN') }).regex(/^[0-9a-f]{64}$/, coded('AUDIO_UNKNOWN'));
export const RelayRequest = z.object(
  {
    station: z.string({ error: coded('STATION_UNKNOWN') }),
    durationMin: z
      .number({ error: coded('RELAY_INVALID', 'Thời lượng tiếp sóng từ 1 đến 360 phút.') })
      .int(coded('RELAY_INVALID', 'Thời lượng tiếp sóng từ 1 đến 360 phút.'))
      .min(1, coded('RELAY_INVALID', 'Thời lượng tiếp sóng từ 1 đến 360 phút.'))
      .max(360, coded('RELAY_INVALID', 'Thời lượng tiếp sóng từ 1 đến 360 phút.')),
  },
  { error: coded('RELAY_INVALID') },
);

/**
 * What staff send to create or change an announcement: spoken text or an uploaded audio (exactly one), or a
 * relay of an approved station whose text is its spoken introduction.
 */
export const AnnouncementRequest = z
  .object(
    {
      title: Title,
      text: z
        .string({ error: coded('TEXT_EMPTY') })
        .trim()
        .nullish(),
      audio: z.union([z.literal(''), AudioHash]).nullish(),
      hamlets: HamletChoice,
      schedule: ScheduleRequest,
      repeats: Repeats.default(1),
      volume: Volume.default(80),
      priority: PriorityChoice.default('normal'),
      communes: CommuneChoice.optional(),
      relay: RelayRequest.nullish(),
    },
    { error: coded('INVALID_INPUT') },
  )
  .superRefine((r, ctx) => {
    if (r.relay) return;
    const hasAudio = !!r.audio;
    if ((r.text != null && hasAudio) || (r.text == null && !hasAudio))
      ctx.addIssue({ code: 'custom', message: coded('CONTENT_MISSING'), path: ['text'] });
    else if (!hasAudio && r.text === '') ctx.addIssue({ code: 'custom', message: coded('TEXT_EMPTY'), path: ['text'] });
  });
export type AnnouncementRequest = z.infer<typeof AnnouncementRequest>;

/** a leader's emergency: spoken text, broadcast at once, loud unless said otherwise */
export const EmergencyRequest = z.object(
  {
    title: Title,
    text: SpokenText,
    hamlets: HamletChoice,
    volume: Volume.default(100),
    repeats: Repeats.default(1),
    communes: CommuneChoice.optional(),
  },
  { error: coded('INVALID_INPUT') },
);
export type EmergencyRequest = z.infer<typeof EmergencyRequest>;

export const RejectRequest = z.object(
  {
    reason: z
      .string({ error: coded('REASON_EMPTY') })
      .trim()
      .min(1, coded('REASON_EMPTY')),
  },
  { error: coded('REASON_EMPTY') },
);
export const AnnouncementParams = z.object({ id: z.string().min(1).max(64) });
export const AuditQuery = z.object({
  target: z.string().max(64).optional(),
  limit: z.coerce.number().int().optional().catch(undefined),
});

export const STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'stopped'] as const;
export const Status = z.enum(STATUSES);
export type Status = z.infer<typeof Status>;
export const UnitLevel = z.enum(['commune', 'district', 'province']);

export const AudioMeta = AudioRef.pick({ sha256: true, bytes: true, durationS: true, mime: true });
export type AudioMeta = z.infer<typeof AudioMeta>;

/** What an announcement plays besides its audio (absent: only the audio file). */
export const AnnouncementSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('relay'),
    station: z.string(),
    stationName: z.string(),
    /** the province-signed station entry, copied into every signed schedule */
    signed: SignedStation,
    durationS: z.number(),
  }),
  /** a live broadcast from the console (console/live/): the session's mount */
  z.object({ kind: z.literal('live'), url: z.string(), durationS: z.number(), by: z.string() }),
]);
export type AnnouncementSource = z.infer<typeof AnnouncementSource>;

/** an announcement as the console stores it */
export const Announcement = z.object({
  id: z.string(),
  title: z.string(),
  text: z.string().nullable(),
  hamlets: z.union([z.literal('all'), z.array(z.string())]),
  schedule: Schedule,
  repeats: z.number(),
  volume: z.number(),
  priority: Priority,
  source: AnnouncementSource.optional(),
  /** the issuing unit's code: the commune, or the province / district for announcements from above */
  commune: z.string(),
  /** the issuing unit's level (absent: commune) */
  level: UnitLevel.optional(),
  /** the communes it is for (absent: the issuing commune itself) */
  targets: z.union([z.literal('all'), z.array(z.string())]).optional(),
  audio: AudioMeta,
  status: Status,
  rejectReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  revision: z.number(),
  /** a proposed change of an approved announcement: the id it replaces once a leader approves it */
  revisionOf: z.string().nullish(),
});
export type Announcement = z.infer<typeof Announcement>;

/** what a user may do with an announcement, decided by the server (console/announcement-actions.ts) */
export const ACTIONS = ['edit', 'submit', 'approve', 'reject', 'replace-emergency', 'stop'] as const;
export const Action = z.object({
  action: z.enum(ACTIONS),
  label: z.string(),
  /** the question asked before doing it (absent: done at once) */
  confirm: z.string().optional(),
  /** a reason must be given (reject) */
  asksReason: z.string().optional(),
  danger: z.boolean(),
});
export type Action = z.infer<typeof Action>;

/** an announcement with the Vietnamese labels people read and the actions this user may take */
export const AnnouncementView = Announcement.extend({
  statusLabel: z.string(),
  priorityLabel: z.string(),
  scheduleLabel: z.string(),
  contentLabel: z.string(),
  actions: z.array(Action),
});
export type AnnouncementView = z.infer<typeof AnnouncementView>;

export const DELIVERY_STATES = ['pending', 'played', 'failed', 'missed', 'unreachable'] as const;
export const HamletDelivery = z.object({
  hamlet: z.string(),
  name: z.string(),
  state: z.enum(DELIVERY_STATES),
  /** chờ phát / đã phát / lỗi / bỏ lỡ */
  label: z.string(),
  /** occurrences (lượt) per outcome; `timesSpoken`: played occurrences × repeats (lần đọc) */
  counts: z.object({ played: z.number(), failed: z.number(), missed: z.number(), timesSpoken: z.number() }),
  speakers: z.array(
    z.object({
      id: z.string(),
      schedule: z
        .object({
          version: z.number(),
          status: z.string().nullable(),
          active: z.number().nullable(),
          reason: z.string().nullable(),
        })
        .nullable(),
      /** the speaker's last verdict on its schedule, in words */
      label: z.string(),
    }),
  ),
  logs: z.array(
    z.object({
      id: z.string(),
      announcement: z.string(),
      speaker: z.string(),
      hamlet: z.string().nullable(),
      occurrence: z.string(),
      outcome: BroadcastOutcome,
      reason: z.string().nullable(),
      startedAt: z.string().nullable(),
      endedAt: z.string().nullable(),
    }),
  ),
});
export type HamletDelivery = z.infer<typeof HamletDelivery>;

/** one announcement with what each hamlet's speakers did with it */
export const AnnouncementDetail = AnnouncementView.extend({ delivery: z.array(HamletDelivery) });
export type AnnouncementDetail = z.infer<typeof AnnouncementDetail>;

/**
 * The one envelope of the announcement routes: the item, with its id and status on top for API clients that
 * only need those.
 */
export function envelope<T extends z.ZodType<{ id: string; status: Status }>>(item: T) {
  return z.object({ id: z.string(), status: Status, announcement: item });
}
export const AnnouncementEnvelope = envelope(AnnouncementView);
export type AnnouncementEnvelope = z.infer<typeof AnnouncementEnvelope>;
export const AnnouncementDetailEnvelope = envelope(AnnouncementDetail);
export type AnnouncementDetailEnvelope = z.infer<typeof AnnouncementDetailEnvelope>;
export const AnnouncementList = z.object({ items: z.array(AnnouncementView) });
export type AnnouncementList = z.infer<typeof AnnouncementList>;
