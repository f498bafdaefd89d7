import { Priority } from '../devices/contract/broadcast.ts';
import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { AnnouncementDraft, Schedule } from './model.ts';
import { vnDate } from '../devices/time/vietnam.ts';
import { daysBetween, expand, isDate, isDateTime, isTime, scheduleEnd } from './recurrence.ts';

/**
 * Checks what staff send, field by field, so each refusal has its own code and Vietnamese message.
 * Runs before anything is written: a refused request leaves nothing behind.
 */
export type ValidateContext = {
  area: Area;
  commune: string;
  now: number;
  maxTextChars: number;
  maxWindowDays: number;
  /** the communes whose hamlets may be chosen (an announcement from above; default: `commune` alone) */
  hamletCommunes?: string[];
};

type Raw = Record<string, unknown>;

export function validateDraft(body: unknown, ctx: ValidateContext): AnnouncementDraft {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('INVALID_INPUT');
  const raw = body as Raw;
  const title = typeof raw.title === 'string' ? raw.title.trim() : '';
  if (!title) fail('TITLE_EMPTY');
  if (title.length > 300) fail('INVALID_INPUT', 'Tiêu đề tối đa 300 ký tự.');
  const { text, audio } = content(raw, ctx.maxTextChars);
  return {
    title,
    text,
    audio,
    hamlets: hamlets(raw.hamlets, ctx),
    schedule: schedule(raw.schedule, ctx),
    repeats: intIn(raw.repeats ?? 1, 1, 10) ?? fail('REPEATS_INVALID'),
    volume: intIn(raw.volume ?? 80, 0, 100) ?? fail('VOLUME_INVALID'),
    priority: priority(raw.priority),
  };
}

function content(raw: Raw, maxChars: number): { text: string | null; audio: string | null } {
  const hasText = raw.text !== undefined && raw.text !== null;
  const hasAudio = raw.audio !== undefined && raw.audio !== null && raw.audio !== '';
  if (hasText && hasAudio) fail('CONTENT_MISSING');
  if (hasAudio) {
    if (typeof raw.audio !== 'string' || !/^[0-9a-f]{64}$/.test(raw.audio)) fail('AUDIO_UNKNOWN');
    return { text: null, audio: raw.audio };
  }
  if (!hasText) fail('CONTENT_MISSING');
  const text = typeof raw.text === 'string' ? raw.text.trim() : '';
  if (!text) fail('TEXT_EMPTY');
  if (text.length > maxChars) fail('TEXT_TOO_LONG', `Tối đa ${maxChars} ký tự.`);
  return { text, audio: null };
}

export function hamlets(value: unknown, ctx: Pick<ValidateContext, 'area' | 'commune' | 'hamletCommunes'>): 'all' | string[] {
  const communes = ctx.hamletCommunes ?? [ctx.commune];
  const heard = new Set(communes.flatMap((c) => ctx.area.speakers(c).map((s) => s.hamlet)));
  if (value === 'all') {
    if (heard.size === 0) fail('HAMLET_NO_SPEAKER', 'Xã chưa có loa nào.');
    return 'all';
  }
  if (!Array.isArray(value) || value.length === 0) fail('HAMLETS_EMPTY');
  const own = new Map(communes.flatMap((c) => ctx.area.hamlets(c).map((h) => [h.id, h.name] as const)));
  for (const h of value) {
    if (typeof h !== 'string') fail('HAMLET_UNKNOWN');
    if (own.has(h)) {
      // accepted, it would wait "chờ phát" for ever: nothing there can play it
      if (!heard.has(h)) fail('HAMLET_NO_SPEAKER', `(${own.get(h)})`);
      continue;
    }
    const other = ctx.area.communeOfHamlet(h);
    if (other) fail('HAMLET_OTHER_COMMUNE', `(${h})`);
    fail('HAMLET_UNKNOWN', `(${h.slice(0, 64)})`);
  }
  return [...new Set(value as string[])];
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function priority(value: unknown): AnnouncementDraft['priority'] {
  const p = Priority.safeParse(value ?? 'normal');
  if (!p.success) fail('PRIORITY_INVALID');
  return p.data;
}

function intIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

export function schedule(value: unknown, ctx: Pick<ValidateContext, 'now' | 'maxWindowDays'>): Schedule {
  if (typeof value !== 'object' || value === null) fail('SCHEDULE_INVALID');
  const s = value as Raw;
  let result: Schedule;
  if (s.kind === 'once') {
    if (blank(s.at)) fail('SCHEDULE_TIME_MISSING', 'Hãy chọn ngày và giờ phát.');
    if (!isDateTime(s.at)) fail('SCHEDULE_INVALID', 'Ngày giờ phát không đúng; hãy chọn theo dạng ngày/tháng/năm giờ:phút, ví dụ 05/09/2027 07:30.');
    result = { kind: 'once', at: s.at };
    if (scheduleEnd(result) <= ctx.now) fail('SCHEDULE_PAST');
    return result;
  }
  if (s.kind !== 'daily' && s.kind !== 'weekly') fail('SCHEDULE_INVALID', 'Kiểu lịch phải là: một lần, hằng ngày hoặc hằng tuần.');
  if (blank(s.time)) fail('SCHEDULE_TIME_MISSING', 'Hãy chọn giờ phát.');
  if (!isTime(s.time)) fail('SCHEDULE_INVALID', 'Giờ phát không đúng; hãy nhập giờ:phút theo 24 giờ, ví dụ 17:30.');
  if (blank(s.from)) fail('SCHEDULE_TIME_MISSING', 'Hãy chọn ngày bắt đầu.');
  if (blank(s.to)) fail('SCHEDULE_TIME_MISSING', 'Hãy chọn ngày kết thúc.');
  if (!isDate(s.from) || !isDate(s.to)) fail('SCHEDULE_INVALID', 'Ngày không đúng; hãy chọn theo dạng ngày/tháng/năm, ví dụ 05/09/2027.');
  if (s.from > s.to) fail('SCHEDULE_RANGE');
  if (s.to < vnDate(ctx.now)) fail('SCHEDULE_PAST');
  if (daysBetween(s.from, s.to) > ctx.maxWindowDays) fail('SCHEDULE_TOO_LONG', `Tối đa ${ctx.maxWindowDays} ngày.`);
  if (s.kind === 'daily') {
    result = { kind: 'daily', time: s.time, from: s.from, to: s.to };
  } else {
    const days = s.weekdays;
    if (!Array.isArray(days) || days.length === 0) fail('WEEKDAYS_EMPTY');
    if (!days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) fail('SCHEDULE_INVALID', 'Ngày trong tuần là số từ 1 (thứ Hai) đến 7 (Chủ nhật).');
    result = { kind: 'weekly', weekdays: [...new Set(days as number[])].sort(), time: s.time, from: s.from, to: s.to };
  }
  if (expand(result, ctx.now, scheduleEnd(result), 1).length === 0) fail('SCHEDULE_EMPTY');
  return result;
}
