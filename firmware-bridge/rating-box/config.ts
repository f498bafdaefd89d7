import { z } from 'zod';
import { DEFAULT_LEVELS, Level, type LevelKey } from '../../devices/levels.ts';

/** A pin: a number (Firmata / Arduino) or a plugin's name for it (raspi-io: "GPIO17", "P1-11"). */
export const PinId = z.union([z.number().int().nonnegative(), z.string().min(1).max(32)]);

/** units.ratingBox.service: ties ratings to the dossier and the officer on duty (all optional). */
export const ServiceBindingConfig = z.strictObject({
  /** a keyboard-type USB barcode/QR scanner, read through Linux input events */
  scanner: z
    .strictObject({
      /** e.g. /dev/input/by-id/usb-...-event-kbd (stable across re-plugging) or /dev/input/event0 */
      device: z.string().min(1),
      /** struct input_event size: 24 on 64-bit kernels, 16 on 32-bit (default: this machine's) */
      recordBytes: z.union([z.literal(16), z.literal(24)]).optional(),
      reopenMs: z.number().int().min(10).max(600_000).default(5_000),
      maxLength: z.number().int().min(8).max(4096).default(256),
    })
    .optional(),
  /** accept dossier bindings from the one-stop software on tt/v1/<box>/dossier */
  integration: z.boolean().default(true),
  bindingTtlMs: z
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(10 * 60_000),
  badgePrefix: z.string().min(1).max(16).default('CB-'),
  /** a regular expression whose first group is the dossier number inside a scanned code (e.g. a QR code URL) */
  dossierPattern: z
    .string()
    .max(500)
    .refine((s) => {
      try {
        return new RegExp(s).source.length > 0;
      } catch {
        return false;
      }
    }, 'biểu thức chính quy không hợp lệ (invalid regular expression)')
    .optional(),
});

/** units.ratingBox of the bridge config. */
export const RatingBoxConfig = z
  .strictObject({
    /** one button per level, e.g. { "rat-hai-long": 2, "hai-long": 3 }; wired to ground, pull-up enabled */
    buttons: z.partialRecord(Level, PinId),
    /** the levels this box offers (default: every level that has a button, in the standard order) */
    levels: z.array(Level).min(2).optional(),
    leds: z.strictObject({
      /** lit at a press and through the lockout ("cảm ơn") */
      ack: PinId,
    }),
    buzzerPin: PinId,
    /** after a rating, presses for this long are not ratings (counted as rejected 'lockout') */
    lockoutMs: z.number().int().min(0).max(60_000).default(3_000),
    debounceMs: z.number().int().min(1).max(1_000).default(50),
    beepMs: z.number().int().min(10).max(2_000).default(120),
    /** the long beep when a rating cannot be stored (outbox full) */
    errorBeepMs: z.number().int().min(10).max(5_000).default(1_000),
    service: ServiceBindingConfig.default({ integration: true, bindingTtlMs: 600_000, badgePrefix: 'CB-' }),
  })
  .transform((c, ctx) => {
    const levels: LevelKey[] = c.levels ?? DEFAULT_LEVELS.filter((l) => c.buttons[l] !== undefined);
    levels.forEach((l, i) => {
      if (c.buttons[l] === undefined)
        ctx.addIssue({ code: 'custom', path: ['levels', i], message: `mức "${l}" không có nút (no button pin)` });
    });
    if (levels.length < 2)
      ctx.addIssue({ code: 'custom', path: ['buttons'], message: 'cần ít nhất 2 nút (at least 2 buttons)' });
    return { ...c, levels };
  });
export type RatingBoxConfig = z.infer<typeof RatingBoxConfig>;
export type RatingBoxConfigInput = z.input<typeof RatingBoxConfig>;

/** the bridge config's `pressLog`: the operator's limits on the rating box's audit log */
export const PressLogConfig = z.strictObject({
  maxFileBytes: z
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  maxFiles: z.number().int().min(1).default(400),
  maxTotalBytes: z
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024),
});
