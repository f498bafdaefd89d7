// The "Thiết bị" tab: device health (GET /api/devices) and alerts (GET /api/alerts). Text goes in via textContent only.
const STATUS = {
  true: { text: 'đang hoạt động', cls: 'state-played' },
  false: { text: 'mất kết nối', cls: 'state-failed' },
  null: { text: 'chưa rõ', cls: 'state-pending' },
};
const ALERT_KINDS = {
  offline: 'Mất kết nối',
  'silent-box': 'Hộp đánh giá không có lượt đánh giá',
  'camera-down': 'Camera không hoạt động',
};
const ALERT_STATES = { raised: 'Đang báo', recovered: 'Đã khôi phục' };

const percent = (f) => `${(Math.round(f * 1000) / 10).toLocaleString('vi-VN')} %`;
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }) : '—');

/** "đang hoạt động" beside a low 7-day figure reads as a contradiction: say what it means */
export function uptimeNote(d, el) {
  if (d.online !== true || !(d.uptime7d < 0.5)) return [];
  return [
    el('div', {
      className: 'warn-note',
      textContent: `Đang kết nối lúc này, nhưng chỉ hoạt động ${percent(d.uptime7d)} thời gian trong 7 ngày qua (mất kết nối nhiều hoặc mới lắp).`,
    }),
  ];
}

/** `api` and `el` are app.js's helpers (fetch with the session cookie; element builder). */
export async function loadDevices({ api, el }) {
  const devTbody = document.querySelector('#devices-table tbody');
  const alertList = document.querySelector('#alerts-list');
  devTbody.replaceChildren();
  alertList.replaceChildren();
  const [devices, alerts] = await Promise.all([api('GET', '/api/devices'), api('GET', '/api/alerts')]);

  devTbody.replaceChildren(
    ...devices.map((d) => {
      const s = STATUS[String(d.online)] ?? STATUS.null;
      return el(
        'tr',
        {},
        el('td', { textContent: d.kindLabel }),
        el('td', { textContent: `${d.place} (${d.communeName})`, title: d.id }),
        el('td', { textContent: s.text, className: s.cls }, ...uptimeNote(d, el)),
        el('td', { textContent: fmtTime(d.lastSeen) }),
        el('td', { textContent: percent(d.uptimeToday) }),
        el('td', { textContent: percent(d.uptime7d) }),
      );
    }),
  );
  if (!devices.length)
    devTbody.append(el('tr', {}, el('td', { colSpan: 6, textContent: 'Chưa có thiết bị nào trong sổ đăng ký.' })));

  // open ones first, then the recent history (an open alert is not listed twice)
  const openIds = new Set(alerts.open.map((a) => a.id));
  const items = [...alerts.open, ...alerts.recent.filter((a) => !openIds.has(a.id))];
  alertList.replaceChildren(
    ...items.map((a) => {
      const open = openIds.has(a.id);
      const where = [a.deviceKind, a.place].filter(Boolean).join(' – ') || a.device;
      return el(
        'li',
        { className: open ? 'state-failed' : '' },
        el('strong', {
          textContent: `${open ? 'Đang báo' : (ALERT_STATES[a.state] ?? a.state)}: ${ALERT_KINDS[a.kind] ?? a.kind}`,
        }),
        ` – ${where} – ${fmtTime(a.time)}${a.since ? ` (từ ${fmtTime(a.since)})` : ''}`,
      );
    }),
  );
  if (!items.length) alertList.append(el('li', { textContent: 'Không có cảnh báo nào.' }));
}
