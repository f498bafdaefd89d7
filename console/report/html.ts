import { DECISION_766_DEFINITION } from '../../devices/analytics/decision766.ts';
import { PRIOR_WEIGHT } from '../../devices/analytics/satisfaction.ts';
import type { CommuneRow, MeasureKey, MeasureRow, Report } from './build.ts';
import {
  FOLLOWUP_DEFINITION,
  LEVEL_COLUMNS,
  MEASURE_LABEL,
  NO_SERVICE_DATA,
  SERVICE_LABEL,
  vnNumber,
} from './labels.ts';
import { dateText, vnDate } from '../../devices/time/vietnam.ts';
import { DEPLOYMENT_LABEL, WORKING_UPTIME } from './rules.ts';
import { DEPLOYMENT_ITEM_KEYS, DEPLOYMENT_ITEMS, declaredText } from './declared.ts';

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const AREA_LEVEL = { province: 'Tỉnh', district: 'Huyện', commune: 'Xã' } as const;

const CSS = `
body { font-family: "Times New Roman", serif; font-size: 13pt; margin: 2cm; color: #000; }
h1 { font-size: 15pt; text-align: center; text-transform: uppercase; margin-bottom: 0.2em; }
h2 { font-size: 13pt; margin-top: 1.2em; }
p.sub { text-align: center; font-style: italic; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; }
tr.overdue td { background: #fde2e2; }
@media print { tr.overdue td { background: none; font-weight: bold; } }
ul { margin: 0.2em 0 0.6em; }
@page { size: A4 landscape; margin: 1.5cm; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } th { background: none; } }
`;

function totalsSection(report: Report, m: MeasureKey, n: number): string {
  const t = report.totals[m];
  const names = (xs: string[]) => (xs.length ? ` (${xs.map(esc).join(', ')})` : '');
  return `<h2>${n}. ${esc(MEASURE_LABEL[m])}</h2>
<ul>
<li>Số lượng cấp xã triển khai đầy đủ: <b>${t['day-du'].length}</b>${names(t['day-du'])}</li>
<li>Số lượng cấp xã triển khai nhưng chưa đầy đủ: <b>${t['chua-day-du'].length}</b>${names(t['chua-day-du'])}</li>
<li>Số lượng cấp xã chưa triển khai: <b>${t['chua-trien-khai'].length}</b>${names(t['chua-trien-khai'])}</li>
</ul>`;
}

const m = (x: MeasureRow, unit: string) => `${x.covered}/${x.units} ${unit}<br>${DEPLOYMENT_LABEL[x.status]}`;

function communeRow(r: CommuneRow): string {
  const td = (v: string | number, num = false) => `<td${num ? ' class="num"' : ''}>${v}</td>`;
  return `<tr>${[
    td(r.rank ?? '–', true),
    td(esc(r.code)),
    td(esc(r.name)),
    td(m(r.speakers, 'thôn/ấp')),
    td(m(r.ratingBoxes, 'quầy')),
    td(m(r.cameras, 'quầy')),
    td(DEPLOYMENT_LABEL[r.overall]),
    ...LEVEL_COLUMNS.map((l) => td(r.ratings[l.key] ?? 0, true)),
    td(r.n, true),
    td(vnNumber(r.index), true),
    td(vnNumber(r.shrunk), true),
    td(`${r.broadcastsPlayed}/${r.broadcastsScheduled}`, true),
  ].join('')}</tr>`;
}

/** Section IV: per commune, the Decision 766 figure over its dossiers beside the SIPAS share, and the follow-up counts. */
function serviceSection(report: Report): string {
  const rows = [...report.communes].sort((a, b) => a.code.localeCompare(b.code));
  const td = (v: string | number, num = true) => `<td${num ? ' class="num"' : ''}>${v}</td>`;
  const row = (r: CommuneRow) => {
    const head = [td(esc(r.code), false), td(esc(r.name), false)];
    const sipas = td(vnNumber(r.index));
    const s = r.service;
    if (!s)
      return `<tr>${[...head, `<td colspan="4">${NO_SERVICE_DATA}</td>`, sipas, `<td colspan="3">${NO_SERVICE_DATA}</td>`].join('')}</tr>`;
    const d = s.decision766;
    const overdue = s.followup.overdue > 0 ? `<b>${s.followup.overdue}</b>` : '0';
    return `<tr${s.followup.overdue > 0 ? ' class="overdue"' : ''}>${[...head, td(d.dossiers), td(d.late), td(d.complainedOrUnsatisfied), td(vnNumber(d.figure)), sipas, td(s.followup.opened), td(s.followup.closed), td(overdue)].join('')}</tr>`;
  };
  const overdueTotal = report.hasService
    ? String(rows.reduce((n, r) => n + (r.service?.followup.overdue ?? 0), 0))
    : NO_SERVICE_DATA;
  return `<h2>IV. Chỉ số phục vụ theo Quyết định 766/QĐ-TTg và hồ sơ theo dõi</h2>
<p>${esc(DECISION_766_DEFINITION)}</p>
<table>
<thead><tr><th>Mã xã</th><th>Tên xã</th>${[SERVICE_LABEL.dossiers, SERVICE_LABEL.late, SERVICE_LABEL.complained, SERVICE_LABEL.figure, 'Chỉ số hài lòng SIPAS (%)', SERVICE_LABEL.opened, SERVICE_LABEL.closed, SERVICE_LABEL.overdue].map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map(row).join('\n')}
</tbody></table>
<p>Tổng số hồ sơ theo dõi quá hạn chưa xử lý: <b>${overdueTotal}</b>${report.hasService ? '' : ' (báo cáo lập không có cơ sở dữ liệu của hệ thống quản lý: chưa có hồ sơ một cửa và hồ sơ theo dõi)'}.</p>`;
}

/** A printable HTML document (A4 landscape) with Vietnamese headings. */
export function reportHtml(report: Report): string {
  const { area, period } = report;
  const until = vnDate(report.evaluatedUntilMs);
  return `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Phụ lục số liệu – ${esc(area.name)}</title><style>${CSS}</style></head>
<body>
<h1>Phụ lục số liệu sơ kết mô hình “Chính quyền thân thiện”</h1>
<p class="sub">${AREA_LEVEL[area.level]}: ${esc(area.name)} (mã ${esc(area.code)}) – Thời điểm báo cáo: từ ngày ${dateText(period.from)} đến ngày ${dateText(period.to)}</p>
<h2>I. Kết quả triển khai (số liệu từ hệ thống thiết bị)</h2>
${(['speakers', 'ratingBoxes', 'cameras', 'overall'] as MeasureKey[]).map((k, i) => totalsSection(report, k, i + 1)).join('\n')}
<h2>II. Số liệu chi tiết theo từng xã</h2>
<table>
<thead><tr><th>Hạng</th><th>Mã xã</th><th>Tên xã</th><th>Loa thông minh</th><th>Thiết bị đánh giá</th><th>Camera</th><th>Tổng hợp</th>
${LEVEL_COLUMNS.map((l) => `<th>${esc(l.label)}</th>`).join('')}<th>Tổng lượt</th><th>Chỉ số hài lòng (%)</th><th>Chỉ số hiệu chỉnh (%)</th><th>Phát thanh (đã phát/kế hoạch)</th></tr></thead>
<tbody>
${report.communes.map(communeRow).join('\n')}
</tbody></table>
<h2>III. Thông tin do xã khai báo</h2>
<table>
<thead><tr><th>Mã xã</th><th>Tên xã</th>${DEPLOYMENT_ITEM_KEYS.map((k) => `<th>${esc(DEPLOYMENT_ITEMS[k])}</th>`).join('')}</tr></thead>
<tbody>
${[...report.communes]
  .sort((a, b) => a.code.localeCompare(b.code))
  .map(
    (r) =>
      `<tr><td>${esc(r.code)}</td><td>${esc(r.name)}</td>${DEPLOYMENT_ITEM_KEYS.map((k) => `<td>${declaredText(r.declared[k])}</td>`).join('')}</tr>`,
  )
  .join('\n')}
</tbody></table>
${serviceSection(report)}
<h2>V. Cách tính</h2>
<ul>
<li>Thiết bị “hoạt động”: trực tuyến (loa, thiết bị đánh giá) hoặc phản hồi kiểm tra (camera) ít nhất ${Math.round(WORKING_UPTIME * 100)}% thời gian của kỳ báo cáo${until < period.to ? ` (tính đến ngày ${dateText(until)})` : ''}.</li>
<li>Loa: đầy đủ khi mọi thôn/ấp có loa hoạt động; thiết bị đánh giá và camera: đầy đủ khi mọi quầy một cửa có thiết bị hoạt động; chưa đầy đủ khi chỉ một phần; chưa triển khai khi không có.</li>
<li>Chỉ số hài lòng = số lượt “Hài lòng” và “Rất hài lòng” / tổng số lượt đánh giá × 100 (theo phương pháp SIPAS của Bộ Nội vụ).</li>
<li>Chỉ số hiệu chỉnh (dùng để xếp hạng): (số lượt hài lòng + ${PRIOR_WEIGHT} × tỷ lệ chung của ${esc(area.name)}) / (tổng lượt + ${PRIOR_WEIGHT}) × 100, để xã có ít lượt đánh giá không vượt xã có nhiều lượt chỉ do ngẫu nhiên.</li>
<li>${esc(DECISION_766_DEFINITION)}</li>
<li>${esc(FOLLOWUP_DEFINITION)}</li>
</ul>
</body></html>
`;
}
