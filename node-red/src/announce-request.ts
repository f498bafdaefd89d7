import { z } from 'zod';
import {
  type AnnouncementRequest,
  HamletChoice,
  Repeats,
  ScheduleRequest,
  SpokenText,
  Title,
  Volume,
} from '../../console/api/announcement.ts';
import { describeIssue } from '../../console/api/coded.ts';
import { Priority } from '../../devices/contract/broadcast.ts';

/**
 * What an "announce" node accepts in msg.payload: the console API's announcement request (console/api/),
 * spoken text only, with the schedule optional (an emergency needs none) and no emergency priority (that is
 * the node's emergency mode). Checked here so a malformed message gets a clear reason on the node's error
 * output instead of a round trip. Fields not given come from the node's settings.
 */
export const AnnounceInput = z.object({
  title: Title,
  text: SpokenText.max(5000),
  hamlets: HamletChoice,
  schedule: ScheduleRequest.optional(),
  repeats: Repeats,
  volume: Volume,
  priority: z.enum(Priority.exclude(['emergency']).options),
}) satisfies z.ZodType<Partial<z.input<typeof AnnouncementRequest>>>;
export type AnnounceInput = z.infer<typeof AnnounceInput>;

export type AnnounceDefaults = {
  hamlets?: string;
  repeats?: number | string;
  volume?: number | string;
  priority?: string;
};

/** "all", or a comma separated list of hamlet ids as typed in the editor. */
export function parseHamletList(text: string | undefined): 'all' | string[] {
  const ids = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return ids.length === 0 || ids.includes('all') ? 'all' : ids;
}

/** msg.payload may be an object, or just the text with msg.topic as the title. */
export function announceInput(
  payload: unknown,
  topic: unknown,
  defaults: AnnounceDefaults,
): { ok: true; value: AnnounceInput } | { ok: false; detail: string } {
  const given =
    typeof payload === 'string'
      ? { text: payload, title: topic }
      : payload && typeof payload === 'object'
        ? payload
        : {};
  const merged = {
    hamlets: parseHamletList(defaults.hamlets),
    repeats: Number(defaults.repeats ?? 1),
    volume: Number(defaults.volume ?? 80),
    priority: defaults.priority === 'priority' ? 'priority' : 'normal',
    ...given,
  };
  const r = AnnounceInput.safeParse(merged);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, detail: r.error.issues.slice(0, 5).map(describeIssue).join('; ') };
}
