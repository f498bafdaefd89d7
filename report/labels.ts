import { LEVEL_KEYS, SATISFACTION_LEVELS } from '../devices/levels.ts';
import type { MeasureKey } from './build.ts';

/** Vietnamese names of the measures, as the plans word them. */
export const MEASURE_LABEL: Record<MeasureKey, string> = {
  speakers: 'Hệ thống truyền thanh thông minh (loa) tại các thôn, ấp',
  ratingBoxes: 'Thiết bị điện tử đánh giá mức độ hài lòng tại bộ phận một cửa',
  cameras: 'Camera giám sát tại bộ phận một cửa',
  overall: 'Tổng hợp ba nội dung trên',
};

export const LEVEL_COLUMNS = LEVEL_KEYS.map((k) => ({ key: k, label: SATISFACTION_LEVELS[k].label }));

/** 85.25 → "85,3" (Vietnamese decimal comma) */
export function vnNumber(x: number | null, digits = 1): string {
  return x === null ? '–' : x.toFixed(digits).replace('.', ',');
}
