// The "Mức độ hài lòng" tab: communes of an area ranked by the satisfaction index, one commune's detail, CSV of
// every table, the review appendix. Figures come from /api/satisfaction/* (devices/analytics/satisfaction-view.ts); charts
// are drawn with uPlot, served by the console itself (/vendor/uplot/). Text goes in via textContent only.
const LEVELS = [
  ['rat-hai-long', 'Rất hài lòng'],
  ['hai-long', 'Hài lòng'],
  ['binh-thuong', 'Bình thường'],
  ['khong-hai-long', 'Không hài lòng'],
];
const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];
const STATUS = { true: 'đang hoạt động', false: 'mất kết nối', null: 'chưa rõ' };
const $ = (sel) => document.querySelector(sel);

const num = (x, d = 1) =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('vi-VN', { minimumFractionDigits: d, maximumFractionDigits: d });
const int = (x) => (x ?? 0).toLocaleString('vi-VN');
const pct = (f) => `${num(f * 100)} %`;
const signed = (x) => (x === null ? '–' : `${x > 0 ? '+' : ''}${num(x)}`);
/** ISO instant → dd/mm/yyyy in Vietnam time */
const vnDate = (iso) =>
  new Date(iso).toLocaleDateString('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });
const vnMonth = (iso) => vnDate(iso).slice(3);
/** dd/mm/yyyy (as people type dates) → YYYY-MM-DD for the API; anything else is sent as typed and refused there */
export function isoDay(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return m ? `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}` : text.trim();
}
const dmy = (iso) => iso.split('-').reverse().join('/');

let ctx = null;
const state = { areas: [], communes: [], area: null, commune: null };
let charts = [];

function loadUplot() {
  if (window.uPlot) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const css = Object.assign(document.createElement('link'), {
      rel: 'stylesheet',
      href: '/vendor/uplot/uPlot.min.css',
    });
    const js = Object.assign(document.createElement('script'), {
      src: '/vendor/uplot/uPlot.iife.min.js',
      onload: resolve,
      onerror: () => reject(new Error('Không tải được thư viện biểu đồ')),
    });
    document.head.append(css, js);
  });
}

/** A table with a caption and a "Tải CSV" button; rows are arrays of cell text (or {text, cls, title}). */
function table(id, caption, head, rows) {
  const { el } = ctx;
  const t = el('table', { id, className: 'sat-table' });
  t.append(
    el(
      'caption',
      {},
      caption,
      ' ',
      el('button', {
        type: 'button',
        className: 'csv',
        textContent: 'Tải CSV',
        onclick: () => downloadCsv(t, `${id}.csv`),
      }),
    ),
  );
  t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))));
  const body = el('tbody');
  const cell = (c) => {
    if (typeof c !== 'object' || c === null) return el('td', { textContent: String(c) });
    const td = el('td', { textContent: c.text, className: c.cls ?? '', title: c.title ?? '' });
    Object.assign(td.dataset, c.data ?? {});
    return td;
  };
  for (const r of rows) body.append(el('tr', {}, ...r.map(cell)));
  if (!rows.length)
    body.append(el('tr', {}, el('td', { colSpan: head.length, textContent: 'Chưa có dữ liệu trong kỳ này.' })));
  t.append(body);
  return el('div', { className: 'table-wrap' }, t);
}

/** The table as shown (header + body), as CSV in UTF-8 with a BOM so spreadsheet programs read the diacritics. */
export function tableCsv(t) {
  const quote = (s) => (/[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [...t.querySelectorAll('thead tr, tbody tr')].map((tr) =>
    [...tr.children].map((c) => quote(c.textContent.trim())).join(','),
  );
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

function downloadCsv(t, name) {
  const a = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(new Blob([tableCsv(t)], { type: 'text/csv;charset=utf-8' })),
    download: name,
  });
  document.body.append(a);
  a.click();
  a.remove();
}

function periodQuery() {
  const f = $('#sat-controls');
  const q = new URLSearchParams({ period: f.period.value });
  if (f.period.value === 'custom') {
    q.set('from', isoDay(f.from.value));
    q.set('to', isoDay(f.to.value));
  }
  return q;
}

export async function loadSatisfaction(helpers) {
  ctx = helpers;
  const data = await ctx.api('GET', '/api/satisfaction/areas');
  state.areas = data.areas;
  state.communes = data.communes;
  const f = $('#sat-controls');
  f.area.replaceChildren(...data.areas.map((a) => ctx.el('option', { value: a.code, textContent: a.name })));
  f.commune.replaceChildren(...data.communes.map((c) => ctx.el('option', { value: c.code, textContent: c.name })));
  f.area.closest('label').hidden = data.areas.length === 0 || data.communes.length <= 1;
  if (!f.dataset.wired) {
    f.dataset.wired = '1';
    f.addEventListener('submit', (ev) => ev.preventDefault());
    f.addEventListener('change', (ev) => {
      syncControls();
      if (ev.target.name === 'commune') state.commune = f.commune.value;
      refresh().catch((e) => ctx.say(e.message));
    });
    $('#report-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      downloadReport(ev.submitter?.value ?? 'csv');
    });
  }
  state.commune = data.communes.length === 1 ? data.communes[0].code : null;
  syncControls();
  await refresh();
}

function syncControls() {
  const f = $('#sat-controls');
  for (const e of f.querySelectorAll('.custom')) e.hidden = f.period.value !== 'custom';
}

/** data-ready / data-error on the view: when the figures for the current choice are drawn, or failed (tests, bench) */
async function refresh() {
  const view = $('#satisfaction-view');
  try {
    await draw();
    view.removeAttribute('data-error');
  } catch (e) {
    view.dataset.error = e.message;
    throw e;
  } finally {
    view.dataset.ready = String(performance.now());
  }
}

async function draw() {
  await loadUplot();
  charts.forEach((c) => c.destroy());
  charts = [];
  const many = state.communes.length > 1;
  $('#sat-ranking').hidden = !many;
  $('#report-section').hidden = !many;
  if (many) await showRanking();
  if (state.commune) await showCommune(state.commune);
  else {
    $('#sat-commune').replaceChildren();
    $('#sat-deployment').replaceChildren();
  }
}

async function showRanking() {
  const { el, api } = ctx;
  const f = $('#sat-controls');
  const q = periodQuery();
  q.set('area', f.area.value);
  const r = await api('GET', `/api/satisfaction/ranking?${q}`);
  const rf = $('#report-form');
  rf.area.value = r.area.code;
  if (!rf.from.value) {
    rf.from.value = dmy(r.period.from);
    rf.to.value = dmy(r.period.to);
  }
  const rows = r.rows.map((x) => {
    const flags = [
      x.fewRatings ? 'ít lượt đánh giá' : '',
      x.silentBoxes.length ? `${x.silentBoxes.length} hộp không có lượt đánh giá` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return [
      x.rank ?? '–',
      { text: x.name, title: x.code },
      num(x.shrunk),
      num(x.index),
      int(x.n),
      signed(x.change),
      { text: flags || '—', cls: flags ? 'state-failed' : '' },
    ];
  });
  const t = table(
    'xep-hang-xa',
    `Xếp hạng ${r.area.name} – ${r.period.label} (${r.period.text})`,
    [
      'Hạng',
      'Xã/phường',
      'Chỉ số hiệu chỉnh (%)',
      'Chỉ số (%)',
      'Số lượt',
      'Thay đổi so với kỳ trước (điểm %)',
      'Lưu ý',
    ],
    rows,
  );
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    const code = r.rows[i]?.code;
    if (!code) return;
    tr.className = 'clickable';
    tr.dataset.commune = code;
    tr.addEventListener('click', () => {
      state.commune = code;
      $('#sat-controls').commune.value = code;
      refresh().catch((e) => ctx.say(e.message));
    });
  });
  $('#sat-ranking').replaceChildren(
    el('p', {
      className: 'sat-summary',
      textContent: `Toàn vùng: chỉ số ${num(r.index)} % trên ${int(r.n)} lượt đánh giá. Chỉ số hiệu chỉnh kéo xã ít lượt về trung bình vùng (${num(r.areaMean === null ? null : r.areaMean * 100)} %) với 50 lượt giả định. Kỳ trước: ${r.period.previousText}. Chọn một xã để xem chi tiết.`,
    }),
    t,
  );
}

function trendChart(points, title, stepDays, label) {
  const { el } = ctx;
  const box = el('div', { className: 'chart' }, el('h4', { textContent: title }));
  if (!points.length) return box;
  const xs = points.map((p) => Date.parse(p.start) / 1000);
  const width = Math.max(280, Math.min(900, $('#satisfaction-view').clientWidth - 40));
  const opts = {
    width,
    height: 220,
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'Asia/Ho_Chi_Minh'),
    // one bar per period: the x range pads half a period each side, ticks sit on the periods themselves
    scales: {
      x: { time: true, range: (_u, min, max) => [min - stepDays * 43_200, max + stepDays * 43_200] },
      idx: { range: [0, 100] },
      n: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
    },
    axes: [
      { splits: () => xs, values: (_u, ticks) => ticks.map((t) => label(new Date(t * 1000).toISOString())) },
      { scale: 'idx', label: 'Chỉ số (%)' },
      { scale: 'n', side: 1, label: 'Số lượt', grid: { show: false } },
    ],
    series: [
      { label: 'Thời gian', value: (_u, v) => (v === null ? '' : vnDate(new Date(v * 1000).toISOString())) },
      { label: 'Chỉ số (%)', scale: 'idx', stroke: '#b71c1c', width: 2, value: (_u, v) => num(v) },
      {
        label: 'Số lượt',
        scale: 'n',
        stroke: '#1565c0',
        paths: window.uPlot.paths.bars({ size: [0.5] }),
        fill: 'rgba(21,101,192,.25)',
        value: (_u, v) => int(v),
      },
    ],
  };
  charts.push(new window.uPlot(opts, [xs, points.map((p) => p.index), points.map((p) => p.n)], box));
  return box;
}

function heatTable(cells) {
  const { el } = ctx;
  const hours = [...new Set(cells.map((c) => c.hour))].sort((a, b) => a - b);
  const at = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c]));
  const rows = [1, 2, 3, 4, 5, 6, 7]
    .filter((d) => cells.some((c) => c.weekday === d))
    .map((d) => [
      WEEKDAYS[d - 1],
      ...hours.map((h) => {
        const c = at.get(`${d}:${h}`);
        const data = { weekday: String(d), hour: String(h) };
        return c
          ? {
              text: `${num(c.index, 0)} % (${int(c.n)})`,
              cls: c.index >= 85 ? 'heat-good' : c.index >= 70 ? 'heat-mid' : 'heat-bad',
              title: `${WEEKDAYS[d - 1]} ${h}:00–${h + 1}:00: ${int(c.satisfied)}/${int(c.n)} hài lòng`,
              data,
            }
          : { text: '', data };
      }),
    ]);
  return el(
    'div',
    { className: 'heat' },
    table(
      'ban-do-nhiet',
      'Chỉ số theo giờ trong ngày và thứ trong tuần (số lượt trong ngoặc)',
      ['Thứ', ...hours.map((h) => `${h} giờ`)],
      rows,
    ),
  );
}

async function showCommune(code) {
  const { el, api } = ctx;
  const d = await api('GET', `/api/satisfaction/commune/${encodeURIComponent(code)}?${periodQuery()}`);
  const change = d.index !== null && d.previous.index !== null ? d.index - d.previous.index : null;
  const levelRows = LEVELS.map(([k, label]) => [
    label,
    int(d.counts[k] ?? 0),
    d.n ? `${num((100 * (d.counts[k] ?? 0)) / d.n)} %` : '–',
  ]);
  const trendRows = (pts, fmt) => pts.map((p) => [fmt(p.start), num(p.index), int(p.n)]);
  const parts = [
    el('h3', { textContent: `${d.name} – ${d.period.label} (${d.period.text})` }),
    el('p', {
      className: 'sat-summary',
      id: 'sat-commune-summary',
      textContent: `Chỉ số hài lòng ${num(d.index)} % trên ${int(d.n)} lượt (kỳ trước ${num(d.previous.index)} % trên ${int(d.previous.n)} lượt; thay đổi ${signed(change)} điểm %). Lượt bấm bị từ chối do khóa chống bấm liên tục: ${int(d.rejectedLockout)}, bên cạnh ${int(d.accepted)} lượt được ghi nhận. Loa và hộp đánh giá hoạt động ${d.uptime === null ? '–' : pct(d.uptime)} thời gian của kỳ.`,
    }),
    el(
      'div',
      { className: 'charts' },
      trendChart(d.weekly, 'Theo tuần', 7, (iso) => vnDate(iso).slice(0, 5)),
      trendChart(d.monthly, 'Theo tháng', 30, vnMonth),
    ),
    table(
      'theo-tuan',
      'Chỉ số theo tuần (tuần bắt đầu thứ Hai)',
      ['Tuần từ', 'Chỉ số (%)', 'Số lượt'],
      trendRows(d.weekly, vnDate),
    ),
    table('theo-thang', 'Chỉ số theo tháng', ['Tháng', 'Chỉ số (%)', 'Số lượt'], trendRows(d.monthly, vnMonth)),
    table('ty-le-muc', 'Tỷ lệ từng mức đánh giá', ['Mức', 'Số lượt', 'Tỷ lệ'], levelRows),
    table(
      'lan-bam',
      'Lượt bấm được ghi nhận và bị từ chối',
      ['Loại', 'Số lượt'],
      [
        ['Được ghi nhận (đánh giá)', int(d.accepted)],
        ['Bị từ chối (khóa chống bấm liên tục)', int(d.rejectedLockout)],
      ],
    ),
    table(
      'theo-quay',
      'Theo quầy',
      ['Hạng', 'Quầy', 'Chỉ số hiệu chỉnh (%)', 'Chỉ số (%)', 'Số lượt'],
      d.counters.map((c) => [c.rank ?? '–', c.name, num(c.shrunk), num(c.index), int(c.n)]),
    ),
  ];
  if (d.officers?.length) {
    parts.push(
      table(
        'theo-can-bo',
        'Theo cán bộ (chỉ lãnh đạo xã xem)',
        ['Hạng', 'Cán bộ', 'Chỉ số hiệu chỉnh (%)', 'Chỉ số (%)', 'Số lượt'],
        d.officers.map((c) => [c.rank ?? '–', c.name, num(c.shrunk), num(c.index), int(c.n)]),
      ),
    );
  }
  parts.push(heatTable(d.heatMap));
  parts.push(
    table(
      'thiet-bi',
      `Tình trạng thiết bị (đang mất kết nối: ${d.offlineNow})`,
      ['Loại', 'Vị trí', 'Hiện tại', 'Hoạt động tuần này'],
      d.devices.map((x) => [
        x.kindLabel,
        { text: x.place, title: x.id },
        {
          text: STATUS[String(x.online)],
          cls: x.online === false ? 'state-failed' : x.online ? 'state-played' : 'state-pending',
        },
        pct(x.uptimeWeek),
      ]),
    ),
  );
  $('#sat-commune').replaceChildren(...parts);
  await showDeployment(code);
}

/** What the commune's staff declared (devices cannot tell): editable by that commune's staff and leader. */
async function showDeployment(code) {
  const { el, api, say } = ctx;
  const r = await api('GET', `/api/satisfaction/deployment?commune=${encodeURIComponent(code)}`);
  const c = r.communes[0];
  const form = el('form', { id: 'deployment-form' });
  for (const [key, label] of Object.entries(r.labels)) {
    const item = c.items[key];
    const box = el('input', { type: 'checkbox', name: key, checked: !!item?.present, disabled: !c.editable });
    const note = el('input', {
      name: `${key}-note`,
      value: item?.note ?? '',
      placeholder: 'Ghi chú',
      maxLength: 500,
      disabled: !c.editable,
    });
    const who = item ? ` (cập nhật ${vnDate(item.updatedAt)} bởi ${item.updatedBy})` : ' (chưa khai báo)';
    form.append(el('label', {}, box, ` ${label}`, note, who));
  }
  if (c.editable) {
    form.append(el('button', { type: 'submit', textContent: 'Lưu thông tin triển khai' }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const items = Object.fromEntries(
        Object.keys(r.labels).map((k) => [k, { present: form[k].checked, note: form[`${k}-note`].value }]),
      );
      api('PUT', `/api/satisfaction/deployment/${encodeURIComponent(code)}`, { items })
        .then(() => {
          say('Đã lưu thông tin triển khai.', true);
          return showDeployment(code);
        })
        .catch((e) => say(e.message));
    });
  }
  $('#sat-deployment').replaceChildren(
    el('h3', { textContent: `Thông tin triển khai do xã khai báo – ${c.name}` }),
    form,
  );
}

function downloadReport(format) {
  const f = $('#report-form');
  const q = new URLSearchParams({ area: f.area.value, from: isoDay(f.from.value), to: isoDay(f.to.value), format });
  window.open(`/api/satisfaction/report?${q}`, '_blank');
}
