import { z } from 'zod';
import { HamletChoice } from './announcement.ts';
import { coded } from './coded.ts';

/**
 * "Phát trực tiếp": what the browser sends to open a session and what the console answers about one. The
 * session's mount is a secret of the console and never leaves it. Rules that need the registry or the clock
 * (whose hamlet, quiet hours, who may approve) stay in the service (console/live/sessions.ts), same codes.
 */
export const LiveRequest = z.object(
  {
    hamlets: HamletChoice,
    emergency: z.boolean({ error: coded('INVALID_INPUT', '(emergency)') }).optional(),
  },
  { error: coded('HAMLETS_EMPTY') },
);
export type LiveRequest = z.infer<typeof LiveRequest>;

export const LiveParams = z.object({ id: z.string().min(1).max(64) });

export const LIVE_STATUSES = ['requested', 'ready', 'on-air', 'ended'] as const;
export const FEED_STATES = ['connecting', 'on-air', 'reconnecting', 'ended'] as const;

export const FeedStatus = z.object({
  state: z.enum(FEED_STATES),
  restarts: z.number().int(),
  detail: z.string().nullable(),
});

export const LiveSessionView = z.object({
  id: z.string(),
  commune: z.string(),
  hamlets: z.union([z.literal('all'), z.array(z.string())]),
  emergency: z.boolean(),
  by: z.string(),
  approvedBy: z.string().nullable(),
  status: z.enum(LIVE_STATUSES),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  announcement: z.string().nullable(),
  /** the encoder feeding the speakers' stream (null before the first sound) */
  feed: FeedStatus.nullable(),
  /** the session's state in words: "Chờ lãnh đạo duyệt", "Đang phát", "Đang kết nối lại"… */
  statusLabel: z.string(),
});
export type LiveSessionView = z.infer<typeof LiveSessionView>;
export const LiveList = z.object({ items: z.array(LiveSessionView) });
export type LiveList = z.infer<typeof LiveList>;
