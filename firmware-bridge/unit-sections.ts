import type { z } from 'zod';
import { formatIssues } from '../infra/zod-issues.ts';
import { CameraProbeConfig } from './cameras/config.ts';
import { BridgeError } from './errors.ts';
import { RatingBoxConfig } from './rating-box/config.ts';
import { SpeakerConfig } from './speaker/config.ts';
import { UpdateConfig } from './update/config.ts';

/**
 * The config schema of every unit, by its key under `units` in the bridge config. Only the schemas live here
 * (zod and the contract), so validating a config never loads a unit's code; unit-catalogue.ts maps each key to
 * its factory, and the compiler checks there is one per key and that it takes this section.
 */
export const UNIT_SECTIONS = {
  ratingBox: RatingBoxConfig,
  speaker: SpeakerConfig,
  cameras: CameraProbeConfig,
  update: UpdateConfig,
} as const;

export type UnitKey = keyof typeof UNIT_SECTIONS;
export type UnitSection<K extends UnitKey> = z.output<(typeof UNIT_SECTIONS)[K]>;
export type UnitSectionInput<K extends UnitKey> = z.input<(typeof UNIT_SECTIONS)[K]>;

/**
 * One section validated on its own (the simulator, tests), by the same schema as in a config file, every problem
 * reported under `units.<key>`. Throws BRIDGE_CONFIG_INVALID.
 */
export function parseUnitSection<K extends UnitKey>(key: K, raw: unknown): UnitSection<K> {
  const parsed = UNIT_SECTIONS[key].safeParse(raw);
  if (parsed.success) return parsed.data as UnitSection<K>;
  const problems = formatIssues(parsed.error.issues, { prefix: `units.${key}` });
  throw new BridgeError(
    'BRIDGE_CONFIG_INVALID',
    `cấu hình units.${key} không hợp lệ:\n  - ${problems.join('\n  - ')}`,
    problems,
  );
}
