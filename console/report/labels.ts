import { DECISION_766_DEFINITION } from '../../devices/analytics/decision766.ts';
import { LEVEL_KEYS, SATISFACTION_LEVELS } from '../../devices/levels.ts';
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

/** shown where the console's database was not available (`npm run report`): no dossiers, no follow-up cases */
export const NO_SERVICE_DATA = 'Chưa có dữ liệu';

/** the appendix's service columns (CSV header, HTML section IV), the definition carried in the figure's header */
export const SERVICE_LABEL = {
  dossiers: 'Hồ sơ tiếp nhận trong kỳ (QĐ 766)',
  late: 'Hồ sơ trả kết quả trễ hạn',
  complained: 'Hồ sơ có phản ánh, kiến nghị hoặc "Không hài lòng"',
  figure: 'Chỉ số QĐ 766 (%)',
  opened: 'Hồ sơ theo dõi mở trong kỳ',
  closed: 'Hồ sơ theo dõi đã đóng',
  overdue: 'Hồ sơ theo dõi quá hạn chưa xử lý',
} as const;
export const D766_CSV_HEADER = `${SERVICE_LABEL.figure} – ${DECISION_766_DEFINITION}`;
export const FOLLOWUP_DEFINITION =
  'Hồ sơ theo dõi: mở cho mỗi lượt đánh giá "Không hài lòng" (hoặc khi tỷ lệ "Không hài lòng" tại một quầy cao), tính các hồ sơ mở trong kỳ; ' +
  'quá hạn chưa xử lý: chưa đóng mà đã qua hạn xử lý (tính theo ngày làm việc) tại thời điểm lập báo cáo.';
