import { z } from 'zod';
import { coded } from './coded.ts';
import { CommuneCode, DayRange } from './period.ts';

/**
 * The follow-up API: cases of unhappy citizens (one per "Không hài lòng" rating or per alert), their steps, the
 * commune's counts, and the ordered event feed integrators read (Node-RED → Zalo/SMS). The store keeps the
 * case as CaseRow; the answers add what the browser shows, in words.
 */

export const STEP_KINDS = ['assign', 'contact', 'action', 'close'] as const;
export const CaseStep = z.object({ at: z.number(), by: z.string(), kind: z.enum(STEP_KINDS), text: z.string() });
export type CaseStep = z.infer<typeof CaseStep>;
export const CaseKind = z.enum(['rating', 'alert']);
export type CaseKind = z.infer<typeof CaseKind>;

export const CaseRow = z.object({
  id: z.number(),
  commune: z.string(),
  kind: CaseKind,
  source: z.string(),
  counter: z.string().nullable(),
  device: z.string().nullable(),
  dossier: z.string().nullable(),
  officer: z.string().nullable(),
  ratedAt: z.number(),
  openedAt: z.number(),
  /** the end of the deadline (exclusive), or null with `deadlineError` when it could not be computed */
  dueAt: z.number().nullable(),
  deadlineError: z.string().nullable(),
  assignee: z.string().nullable(),
  closedAt: z.number().nullable(),
  closing: z.string().nullable(),
  steps: z.array(CaseStep),
});
export type CaseRow = z.infer<typeof CaseRow>;

/** a case as the console shows it: its state and words worked out by the server */
export const CaseView = CaseRow.extend({
  overdue: z.boolean(),
  /** "Đánh giá không hài lòng" / "Tỷ lệ không hài lòng cao" */
  kindLabel: z.string(),
  /** "Đang xử lý" / "QUÁ HẠN" / "Đã đóng dd/mm/yyyy HH:mm" */
  stateLabel: z.string(),
  counterName: z.string(),
  /** the deadline's last minute, dd/mm/yyyy HH:mm, or why there is none */
  dueText: z.string(),
  steps: z.array(CaseStep.extend({ kindLabel: z.string() })),
});
export type CaseView = z.infer<typeof CaseView>;

export const CaseListQuery = z.object({ commune: CommuneCode });
export const CaseList = z.object({ items: z.array(CaseView) });
export const CaseParams = z.object({
  id: z.string().regex(/^\d{1,12}$/, coded('CASE_NOT_FOUND')),
});
/** a change to a case answers the case, as announcements answer theirs */
export const CaseEnvelope = z.object({ id: z.number(), case: CaseView });
export type CaseEnvelope = z.infer<typeof CaseEnvelope>;

const TEXT_INVALID = coded('INVALID_INPUT', 'Hãy nhập nội dung (tối đa 4.000 ký tự).');
const Text = z.string({ error: TEXT_INVALID }).trim().min(1, TEXT_INVALID).max(4000, TEXT_INVALID);
export const AssignRequest = z.strictObject({
  assignee: z
    .string({ error: coded('ASSIGNEE_INVALID') })
    .min(1, coded('ASSIGNEE_INVALID'))
    .max(64),
});
export const StepRequest = z.strictObject({
  kind: z.enum(['contact', 'action'], { error: coded('INVALID_INPUT', '(kind)') }),
  text: Text,
});
export const CloseRequest = z.strictObject({ closing: Text });
export const EmailRequest = z.strictObject({
  email: z.email({ error: coded('INVALID_INPUT', 'Địa chỉ e-mail không hợp lệ.') }).max(200),
});
export const EmailAnswer = z.object({ username: z.string(), email: z.string() });

export const SummaryQuery = DayRange.extend({ commune: CommuneCode });
export const CaseCounts = z.object({
  opened: z.number(),
  open: z.number(),
  overdue: z.number(),
  closed: z.number(),
  closedLate: z.number(),
});
export type CaseCounts = z.infer<typeof CaseCounts>;
export const SummaryAnswer = CaseCounts.extend({ commune: z.string() });

/** after: a seq, or "latest" (where a new reader starts, without the history) */
export const EventsQuery = z.object({
  after: z
    .union([z.literal('latest'), z.string().regex(/^\d{1,15}$/)], {
      error: coded('INVALID_INPUT', '(after): số thứ tự sự kiện hoặc "latest".'),
    })
    .default('0'),
});
/** the feed leaves out the officer, the steps and the closing text: they stay in the console */
export const FeedCase = CaseView.omit({ officer: true, steps: true, closing: true });
export const FEED_KINDS = ['opened', 'assigned', 'updated', 'closed'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];
export const FeedEvent = z.object({
  seq: z.number(),
  caseId: z.number(),
  commune: z.string(),
  kind: z.enum(FEED_KINDS),
  at: z.number(),
  case: FeedCase,
});
export type FeedEvent = z.infer<typeof FeedEvent>;
export const EventsAnswer = z.object({ items: z.array(FeedEvent), last: z.number() });
export type EventsAnswer = z.infer<typeof EventsAnswer>;
