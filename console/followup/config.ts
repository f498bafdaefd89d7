import { z } from 'zod';

/** console config `followup`: who is told, how often ratings are reconciled, the deadline and the alert rule. */
export const FollowupConfig = z.strictObject({
  /** reconcile "Không hài lòng" ratings from InfluxDB this often (and at start: nothing is missed while down) */
  pollMs: z.number().int().min(1_000).default(60_000),
  /** how far back each reconciliation looks (a box offline for days delivers old presses late) */
  lookbackDays: z.number().int().min(1).max(730).default(30),
  /** the deadline in working days (weekends and public holidays skipped) */
  workingDays: z.number().int().min(1).max(90).default(15),
  /** a counter with more than `share` negative ratings among at least `minRatings` in `windowMinutes` opens a case */
  alert: z
    .strictObject({
      share: z.number().min(0).max(1).default(0.3),
      windowMinutes: z
        .number()
        .int()
        .min(10)
        .max(24 * 60)
        .default(120),
      minRatings: z.number().int().min(1).default(5),
    })
    .prefault({}),
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      from: z.string().min(3).default('thanthien@localhost'),
      /** plain SMTP on a trusted LAN or a local test server */
      requireTls: z.boolean().default(true),
    })
    .optional(),
});
export type FollowupConfig = z.infer<typeof FollowupConfig>;
