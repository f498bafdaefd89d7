import { z } from 'zod';
import { DEFAULT_LEVELS, Level, type LevelKey } from '../../devices/levels.ts';

/** A pin: a number (Firmata / Arduino) or a plugin's name for it (raspi-io: "GPIO17", "P1-11"). */
export const PinId = z.union([z.number().int().nonnegative(), z.string().min(1).max(32)]);

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
  })
  .transform((c, ctx) => {
    const levels: LevelKey[] = c.levels ?? DEFAULT_LEVELS.filter((l) => c.buttons[l] !== undefined);
    levels.forEach((l, i) => {
      if (c.buttons[l] === undefined) ctx.addIssue({ code: 'custom', path: ['levels', i], message: `mức "${l}" không có nút (no button pin)` });
    });
    if (levels.length < 2) ctx.addIssue({ code: 'custom', path: ['buttons'], message: 'cần ít nhất 2 nút (at least 2 buttons)' });
    return { ...c, levels };
  });
export type RatingBoxConfig = z.infer<typeof RatingBoxConfig>;
export type RatingBoxConfigInput = z.input<typeof RatingBoxConfig>;
