import { z } from 'zod';

/**
 * The satisfaction scale of Vietnamese one-stop (Bộ phận Một cửa) rating devices.
 * Most deployed boxes use these four buttons; a box may be configured with a subset
 * (e.g. three buttons without "Bình thường"). `value` orders the levels (4 best, 1 worst);
 * the satisfaction index (dashboards/, report/) is defined from it, not here.
 */
export const SATISFACTION_LEVELS = {
  'rat-hai-long': { value: 4, label: 'Rất hài lòng' },
  'hai-long': { value: 3, label: 'Hài lòng' },
  'binh-thuong': { value: 2, label: 'Bình thường' },
  'khong-hai-long': { value: 1, label: 'Không hài lòng' },
} as const;

export type LevelKey = keyof typeof SATISFACTION_LEVELS;
export const LEVEL_KEYS = Object.keys(SATISFACTION_LEVELS) as [LevelKey, ...LevelKey[]];
export const Level = z.enum(LEVEL_KEYS);

/** The default buttons of a rating box, left to right. */
export const DEFAULT_LEVELS: readonly LevelKey[] = LEVEL_KEYS;

export function levelValue(level: LevelKey): number {
  return SATISFACTION_LEVELS[level].value;
}
