import { z } from 'zod';
import { Id } from '../../devices/ids.ts';
import { issuesDetail } from '../../infra/zod-issues.ts';

/**
 * What an "announce" node accepts in msg.payload. The console API owns the request shape and validates it
 * fully (console/); this is only the early check that turns a malformed message into a clear reason on the
 * node's error output instead of a round trip. Fields not given come from the node's settings.
 */
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ dạng HH:mm');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'ngày dạng YYYY-MM-DD');

export const Schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('once'), at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'thời điểm dạng YYYY-MM-DDTHH:mm (giờ Việt Nam)') }),
  z.object({ kind: z.literal('daily'), time: Clock, from: Day, to: Day }),
  z.object({ kind: z.literal('weekly'), weekdays: z.array(z.number().int().min(1).max(7)).min(1), time: Clock, from: Day, to: Day }),
]);

export const Hamlets = z.union([z.literal('all'), z.array(Id).min(1)]);

export const AnnounceInput = z.object({
  title: z.string().trim().min(1, 'thiếu tiêu đề (title)').max(300),
  text: z.string().trim().min(1, 'thiếu nội dung (text)').max(5000),
  hamlets: Hamlets,
  schedule: Schedule.optional(),
  repeats: z.number().int().min(1).max(10),
  volume: z.number().int().min(0).max(100),
  priority: z.enum(['normal', 'priority']),
});
export type AnnounceInput = z.infer<typeof AnnounceInput>;

export type AnnounceDefaults = { hamlets?: string; repeats?: number | string; volume?: number | string; priority?: string };

/** "all", or a comma separated list of hamlet ids as typed in the editor. */
export function parseHamletList(text: string | undefined): 'all' | string[] {
  const ids = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return ids.length === 0 || ids.includes('all') ? 'all' : ids;
}

/** msg.payload may be an object, or just the text with msg.topic as the title. */
export function announceInput(
  payload: unknown,
  topic: unknown,
  defaults: AnnounceDefaults,
): { ok: true; value: AnnounceInput } | { ok: false; detail: string } {
  const given = typeof payload === 'string' ? { text: payload, title: topic } : payload && typeof payload === 'object' ? payload : {};
  const merged = {
    hamlets: parseHamletList(defaults.hamlets),
    repeats: Number(defaults.repeats ?? 1),
    volume: Number(defaults.volume ?? 80),
    priority: defaults.priority === 'priority' ? 'priority' : 'normal',
    ...given,
  };
  const r = AnnounceInput.safeParse(merged);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, detail: issuesDetail(r.error.issues, { limit: 5, root: '(payload)' }) };
}
