import type { CommuneRow, Report } from './build.ts';
import { D766_CSV_HEADER, LEVEL_COLUMNS, MEASURE_LABEL, NO_SERVICE_DATA, SERVICE_LABEL } from './labels.ts';
import { DEPLOYMENT_LABEL, type Deployment } from './rules.ts';
import { DEPLOYMENT_ITEM_KEYS, DEPLOYMENT_ITEMS, declaredText } from './declared.ts';

/** UTF-8 BOM: without it Excel opens the file as ANSI and breaks the diacritics. */
export const BOM = '\uFEFF';

function cell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (values: (string | number | null)[]) => values.map(cell).join(',');
/** machine-readable decimals ('.') so spreadsheets and scripts read the numbers back exactly */
const dec = (x: number | null) => (x === null ? null : Number(x.toFixed(2)));

/** the Decision 766 figure and follow-up counts of a row; "Chưa có dữ liệu" without the console's database */
function serviceCells(r: CommuneRow): (string | number | null)[] {
  const s = r.service;
  if (!s) return Array.from({ length: 7 }, () => NO_SERVICE_DATA);
  const d = s.decision766;
  return [
    d.dossiers,
    d.late,
    d.complainedOrUnsatisfied,
    dec(d.figure),
    s.followup.opened,
    s.followup.closed,
    s.followup.overdue,
  ];
}

/** Appendix per commune: CSV text with BOM and CRLF (RFC 4180). */
export function communeCsv(report: Report): string {
  const header = [
    'Hạng',
    'Mã xã',
    'Tên xã',
    'Huyện',
    'Số thôn/ấp',
    'Thôn/ấp có loa hoạt động',
    'Loa đã lắp',
    'Loa hoạt động',
    'Loa thông minh',
    'Số quầy một cửa',
    'Thiết bị đánh giá đã lắp',
    'Thiết bị đánh giá hoạt động',
    'Quầy có thiết bị đánh giá hoạt động',
    'Thiết bị đánh giá',
    'Camera đã lắp',
    'Camera hoạt động',
    'Quầy có camera hoạt động',
    'Camera',
    'Tổng hợp',
    ...LEVEL_COLUMNS.map((l) => `Lượt "${l.label}"`),
    'Tổng lượt đánh giá',
    'Chỉ số hài lòng (%)',
    'Chỉ số hiệu chỉnh (%)',
    SERVICE_LABEL.dossiers,
    SERVICE_LABEL.late,
    SERVICE_LABEL.complained,
    D766_CSV_HEADER,
    SERVICE_LABEL.opened,
    SERVICE_LABEL.closed,
    SERVICE_LABEL.overdue,
    'Lượt phát thanh theo kế hoạch',
    'Lượt phát thanh đã phát',
    'Thời gian hoạt động của loa và thiết bị đánh giá (%)',
    ...DEPLOYMENT_ITEM_KEYS.map((k) => `Xã khai báo: ${DEPLOYMENT_ITEMS[k]}`),
  ];
  const body = report.communes.map((r) =>
    line([
      r.rank,
      r.code,
      r.name,
      r.district,
      r.speakers.units,
      r.speakers.covered,
      r.speakers.installed,
      r.speakers.working,
      DEPLOYMENT_LABEL[r.speakers.status],
      r.ratingBoxes.units,
      r.ratingBoxes.installed,
      r.ratingBoxes.working,
      r.ratingBoxes.covered,
      DEPLOYMENT_LABEL[r.ratingBoxes.status],
      r.cameras.installed,
      r.cameras.working,
      r.cameras.covered,
      DEPLOYMENT_LABEL[r.cameras.status],
      DEPLOYMENT_LABEL[r.overall],
      ...LEVEL_COLUMNS.map((l) => r.ratings[l.key] ?? 0),
      r.n,
      dec(r.index),
      dec(r.shrunk),
      ...serviceCells(r),
      r.broadcastsScheduled,
      r.broadcastsPlayed,
      dec(r.uptime === null ? null : 100 * r.uptime),
      ...DEPLOYMENT_ITEM_KEYS.map((k) => declaredText(r.declared[k])),
    ]),
  );
  return `${BOM + [line(header), ...body].join('\r\n')}\r\n`;
}

/** Totals the plans ask for: per measure and level, the number of communes and their names. */
export function totalsCsv(report: Report): string {
  const levels: Deployment[] = ['day-du', 'chua-day-du', 'chua-trien-khai'];
  const body = (Object.keys(MEASURE_LABEL) as (keyof typeof MEASURE_LABEL)[]).flatMap((m) =>
    levels.map((lv) =>
      line([MEASURE_LABEL[m], DEPLOYMENT_LABEL[lv], report.totals[m][lv].length, report.totals[m][lv].join('; ')]),
    ),
  );
  return `${BOM + [line(['Nội dung', 'Mức triển khai', 'Số lượng cấp xã', 'Tên các xã']), ...body].join('\r\n')}\r\n`;
}
