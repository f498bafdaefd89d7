import { randomUUID } from 'node:crypto';
import type { IPoint } from 'influx';
import { levelValue, type LevelKey } from '../../devices/levels.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';

/** where a fixture rating is pressed unless told otherwise: the demo registry's first box of commune 90001 */
const FIRST_BOX = {
  province: '99',
  commune: '90001',
  counter: 'xa1-quay1',
  device: 'xa1-quay1-box',
  kind: 'rating-box',
} as const;

/** A rating point as the collector stores it (a fresh id, a synced time), for fixtures written straight to InfluxDB. */
export function ratingPoint(
  level: LevelKey,
  at: number,
  opts: { officer?: string; dossier?: string; tags?: Record<string, string> } = {},
): IPoint {
  return {
    measurement: MEASUREMENTS.rating,
    tags: {
      ...FIRST_BOX,
      level,
      time_quality: 'synced',
      ...(opts.officer ? { officer: opts.officer } : {}),
      ...opts.tags,
    },
    fields: { value: levelValue(level), id: randomUUID(), ...(opts.dossier ? { dossier: opts.dossier } : {}) },
    timestamp: new Date(at),
  };
}
