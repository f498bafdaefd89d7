// The "Điều hành loa toàn tỉnh" tab: stop now / resume, the quiet-hours policy, the delivery roll-up per commune, hamlet
// and speaker, and the preview of what will play. `api`, `el` and `say` are app.js's helpers; text via textContent only.
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false }) : '—');
const FATES = { plays: 'sẽ phát', 'quiet-hours': 'bỏ qua (giờ yên tĩnh)', stopped: 'bỏ qua (đang dừng phát)', 'pushed-back': 'phát chậm (chờ tin khác)', cut: 'bị cắt (tin khẩn cấp)', busy: 'bỏ qua (loa bận)' };
const LEVELS = { commune: 'xã', district: 'huyện', province: 'tỉnh' };

/** the policy in force, shown beside the schedule form too */
export function policyText(p) {
  const periods = p.quietHours.periods.map((x) => `${x.from}–${x.to}`).join(', ') || 'không có';
  return `Giờ yên tĩnh (giờ Việt Nam): ${periods}; chỉ tin khẩn cấp được phát trong giờ này.`;
}

export async function showPolicyBesideForm({ api }) {
  const box = document.querySelector('#form-policy');
  if (!box) return;
  const p = await api('GET', '/api/policy').catch(() => null);
  box.textContent = p ? policyText(p.effective) : '';
}

export async function loadBroadcast({ api, el, say, me }) {
  const root = document.querySelector('#broadcast-body');
  const isLeader = me.role === 'leader';
  const [stops, policy, rollup] = await Promise.all([api('GET', '/api/stops'), api('GET', '/api/policy').catch(() => null), api('GET', '/api/rollup?hours=24')]);
  const parts = [];

  if (isLeader) {
    const upper = me.level === 'province' || me.level === 'district';
    const choose = upper ? el('select', { multiple: true, size: Math.min(8, me.communes.length), id: 'stop-communes' }, ...me.communes.map((c) => el('option', { value: c.code, textContent: c.name }))) : null;
    const until = el('input', { type: 'datetime-local', id: 'stop-until' });
    const btn = el('button', { type: 'button', className: 'danger', id: 'stop-now', textContent: 'Dừng phát ngay' });
    btn.onclick = async () => {
      const chosen = choose ? [...choose.selectedOptions].map((o) => o.value) : [];
      const where = upper ? (chosen.length ? `${chosen.length} xã đã chọn` : `toàn ${LEVELS[me.level]}`) : 'toàn xã';
      if (!confirm(`Dừng ngay mọi âm thanh đang phát trên loa của ${where}?`)) return;
      await api('POST', '/api/stops', { communes: upper && chosen.length ? chosen : 'all', until: until.value || undefined })
        .then(() => say('Đã gửi lệnh dừng phát tới các loa.', true), (e) => say(e.message));
      await loadBroadcast({ api, el, say, me });
    };
    parts.push(el('h3', { textContent: 'Dừng phát ngay' }),
      ...(choose ? [el('label', { textContent: 'Xã (không chọn: toàn bộ) ' }, choose)] : []),
      el('label', { textContent: 'Dừng đến (để trống: đến khi cho phát lại) ' }, until), btn);
  }

  const active = stops.filter((s) => s.active);
  parts.push(el('h3', { textContent: 'Lệnh dừng đang có hiệu lực' }));
  parts.push(active.length
    ? el('ul', { id: 'stops-list' }, ...active.map((s) => el('li', {},
      el('span', { textContent: `Cấp ${LEVELS[s.level]} · ${s.communes.length} xã · từ ${fmtTime(s.at)}${s.until ? ` đến ${fmtTime(s.until)}` : ''} · ${s.createdBy} ` }),
      ...(isLeader ? [el('button', { type: 'button', textContent: 'Cho phát lại', onclick: () => api('POST', `/api/stops/${s.id}/resume`).then(() => loadBroadcast({ api, el, say, me }), (e) => say(e.message)) })] : []))))
    : el('p', { textContent: 'Không có lệnh dừng nào.' }));

  if (policy) parts.push(el('h3', { textContent: 'Giờ yên tĩnh' }), el('p', { id: 'policy-text', textContent: policyText(policy.effective) }));

  parts.push(el('h3', { textContent: 'Tình hình phát 24 giờ qua' }));
  const rows = [];
  for (const c of rollup.communes) {
    rows.push(el('tr', { className: 'rollup-commune' }, el('th', { textContent: c.name }), el('td', { textContent: c.counts.played }), el('td', { textContent: c.counts.failed }), el('td', { textContent: c.counts.missed }), el('td', { textContent: c.behind ? `${c.behind} loa chưa nhận lịch mới` : 'đã nhận đủ' })));
    for (const h of c.hamlets) {
      for (const s of h.speakers) {
        const behind = s.behind.map((b) => `${LEVELS[b.level]}: ${b.active}/${b.issued}${b.status === 'refused' ? ` (từ chối: ${b.reason})` : ''}`).join('; ');
        rows.push(el('tr', { className: 'rollup-speaker' }, el('td', { textContent: `${h.name} · ${s.id}` }), el('td', { textContent: s.counts.played }), el('td', { textContent: s.counts.failed }), el('td', { textContent: s.counts.missed }),
          el('td', { textContent: `${behind || 'đã nhận'}${s.stopped ? ' · đang dừng' : ''} · liên lạc lần cuối ${fmtTime(s.lastSeen)}` })));
      }
    }
  }
  parts.push(el('table', { id: 'rollup-table' }, el('thead', {}, el('tr', {}, el('th', { textContent: 'Xã / thôn · loa' }), el('th', { textContent: 'Đã phát' }), el('th', { textContent: 'Lỗi' }), el('th', { textContent: 'Bỏ lỡ' }), el('th', { textContent: 'Lịch' }))), el('tbody', {}, ...rows)));

  const pick = el('select', { id: 'preview-commune' }, ...me.communes.map((c) => el('option', { value: c.code, textContent: c.name })));
  const out = el('div', { id: 'preview-out' });
  const show = async () => {
    const p = await api('GET', `/api/preview?commune=${encodeURIComponent(pick.value)}&hours=24`);
    out.replaceChildren(...p.hamlets.map((h) => el('div', {}, el('h4', { textContent: h.name }),
      h.entries.length ? el('ul', {}, ...h.entries.map((e) => el('li', { textContent: `${fmtTime(e.start)} · ${e.title} (${LEVELS[e.issuer]}) · ${FATES[e.fate]}${e.overlaps.length ? ' · trùng giờ' : ''}` }))) : el('p', { textContent: 'Không có gì sẽ phát.' }))));
  };
  pick.onchange = () => show().catch((e) => say(e.message));
  parts.push(el('h3', { textContent: 'Xem trước 24 giờ tới' }), pick, out);
  root.replaceChildren(...parts);
  if (me.communes.length) await show();
}
