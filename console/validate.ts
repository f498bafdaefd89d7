import type { z } from 'zod';
import { AnnouncementRequest, ScheduleRequest } from './api/announcement.ts';
import { codedIssue } from './api/coded.ts';
import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { AnnouncementDraft, Schedule } from './model.ts';
import { vnDate } from '../devices/time/vietnam.ts';
import { daysBetween, expand, scheduleEnd } from './recurrence.ts';

/**
 * Checks what staff send: its shape against the API schema (console/api/), then what needs the registry and
 * the clock. Each refusal has its own code and Vietnamese message; nothing is written before.
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

/** a body checked against a request schema; the first problem is the coded error */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = codedIssue(r.error.issues);
  fail(issue.code, issue.detail);
}

export function validateDraft(body: unknown, ctx: ValidateContext): AnnouncementDraft {
  const r = parseRequest(AnnouncementRequest, body);
  const text = r.text ?? null;
  if (!r.audio && text !== null && text.length > ctx.maxTextChars)
    fail('TEXT_TOO_LONG', `Tối đa ${ctx.maxTextChars} ký tự.`);
  return {
    title: r.title,
    text: r.audio ? null : text,
    audio: r.audio || null,
    hamlets: hamlets(r.hamlets, ctx),
    schedule: scheduleInTime(r.schedule, ctx),
    repeats: r.repeats,
    volume: r.volume,
    priority: r.priority,
  };
}

export function hamlets(
  value: unknown,
  ctx: Pick<ValidateContext, 'area' | 'commune' | 'hamletCommunes'>,
): 'all' | string[] {
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

/** a schedule as sent (checked against its schema), then against the clock */
export function schedule(value: unknown, ctx: Pick<ValidateContext, 'now' | 'maxWindowDays'>): Schedule {
  return scheduleInTime(parseRequest(ScheduleRequest, value), ctx);
}

function scheduleInTime(s: ScheduleRequest, ctx: Pick<ValidateContext, 'now' | 'maxWindowDays'>): Schedule {
  if (s.kind === 'once') {
    if (scheduleEnd(s) <= ctx.now) fail('SCHEDULE_PAST');
    return s;
  }
  if (s.to < vnDate(ctx.now)) fail('SCHEDULE_PAST');
  if (daysBetween(s.from, s.to) > ctx.maxWindowDays) fail('SCHEDULE_TOO_LONG', `Tối đa ${ctx.maxWindowDays} ngày.`);
  if (expand(s, ctx.now, scheduleEnd(s), 1).length === 0) fail('SCHEDULE_EMPTY');
  return s;
}
