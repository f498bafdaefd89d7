import { z } from 'zod';

/** The console API's other read models: the audit trail and the speakers' schedule state. */

export const AuditEntry = z.object({
  id: z.number(),
  at: z.string(),
  username: z.string(),
  commune: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  /** the person's name, the action, and what it was done to, in words (console/audit-labels.ts) */
  userLabel: z.string(),
  actionLabel: z.string(),
  targetLabel: z.string().nullable(),
  targetKind: z.enum(['announcement', 'user', 'audio']).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditList = z.object({ items: z.array(AuditEntry) });

export const SpeakerState = z.object({
  id: z.string(),
  hamlet: z.string(),
  commune: z.string(),
  version: z.number(),
  publishedAt: z.string().nullable(),
  pending: z.boolean(),
  status: z.string().nullable(),
  active: z.number().nullable(),
  reason: z.string().nullable(),
  /** đã nhận / từ chối (lý do) / chưa phản hồi */
  verdictLabel: z.string(),
});
export type SpeakerState = z.infer<typeof SpeakerState>;
export const SpeakerList = z.object({ items: z.array(SpeakerState) });

export const CounterList = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), commune: z.string() })),
});
