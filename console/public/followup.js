// The "Hồ sơ & theo dõi" tab: dossier import, the Decision 766 figure beside the SIPAS share, per-officer
// figures (leader), follow-up cases (leader assigns; assignee records contacts, actions, closing).
// Text goes in via textContent only.
const STEP_KINDS = { assign: 'Giao', contact: 'Liên hệ công dân', action: 'Xử lý', close: 'Đóng' };
const pct = (v) => (v === null || v === undefined ? '—' : `${(Math.round(v * 10) / 10).toLocaleString('vi-VN')} %`);
const fmt = (ms) => (ms ? new Date(ms).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false }) : '—');
const vnToday = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);

/** `api`, `el`, `say` are app.js's helpers; `me` the signed-in user (GET /api/session). */
export async function loadFollowup({ api, el, say, me }) {
  const root = document.querySelector('#followup-body');
  root.replaceChildren();
  const commune = me.commune ?? me.communes[0]?.code;
  if (!commune) return;
  const to = vnToday();
  const from = `${to.slice(0, 8)}01`;
  const period = `commune=${commune}&from=${from}&to=${to}`;

  // import
  const file = el('input', { type: 'file', accept: '.xlsx,.csv' });
  const errors = el('ul', { className: 'import-errors' });
  const importBtn = el('button', { type: 'button', textContent: 'Nhập danh sách hồ sơ' });
  importBtn.onclick = async () => {
    errors.replaceChildren();
    if (!file.files?.[0]) return say('Chưa chọn tệp.');
    const form = new FormData();
    form.append('file', file.files[0]);
    const res = await fetch('/api/dossiers/import', { method: 'POST', body: form, credentials: 'same-origin' });
    const body = await res.json();
    if (!res.ok) {
      say(body.error.message);
      for (const r of body.error.rows ?? [])
        errors.append(el('li', { textContent: `Dòng ${r.row}${r.column ? `, cột ${r.column}` : ''}: ${r.message}` }));
      return;
    }
    say(`Đã nhập ${body.imported} hồ sơ.`, true);
    void loadFollowup({ api, el, say, me });
  };
  root.append(el('h3', { textContent: 'Nhập danh sách hồ sơ (Excel hoặc CSV)' }), file, importBtn, errors);

  // figures of this month
  const fig = await api('GET', `/api/dossiers/figures?${period}`).catch((e) => (say(e.message), null));
  if (fig) {
    root.append(
      el('h3', {
        textContent: `Chỉ số từ ${from.split('-').reverse().join('/')} đến ${to.split('-').reverse().join('/')}`,
      }),
      el(
        'p',
        {},
        el('strong', { textContent: `Chỉ số theo Quyết định 766: ${pct(fig.decision766.figure)}` }),
        ` (${fig.decision766.dossiers} hồ sơ, ${fig.decision766.late} trễ hạn, ${fig.decision766.complainedOrUnsatisfied} có phản ánh/không hài lòng)`,
      ),
      el('p', { className: 'definition', textContent: fig.decision766.definition }),
      el(
        'p',
        {},
        el('strong', { textContent: `Tỷ lệ hài lòng (SIPAS): ${pct(fig.sipas.index)}` }),
        ` (${fig.sipas.n} lượt đánh giá)`,
      ),
      el('p', { className: 'definition', textContent: fig.sipas.definition }),
    );
  }
  if (me.role === 'leader') {
    const off = await api('GET', `/api/officers/figures?${period}`).catch(() => null);
    if (off) {
      root.append(
        el('h3', { textContent: 'Theo cán bộ trực (chỉ lãnh đạo xã xem)' }),
        el(
          'table',
          {},
          el(
            'thead',
            {},
            el('tr', {}, ...['Cán bộ', 'Lượt đánh giá', 'Hài lòng'].map((t) => el('th', { textContent: t }))),
          ),
          el(
            'tbody',
            {},
            ...off.officers.map((o) =>
              el(
                'tr',
                {},
                el('td', { textContent: o.name ? `${o.name} (${o.code ?? ''})` : o.code }),
                el('td', { textContent: String(o.n) }),
                el('td', { textContent: pct(o.index) }),
              ),
            ),
          ),
        ),
      );
    }
  }

  // follow-up cases
  const { cases } = await api('GET', `/api/followup/cases?commune=${commune}`);
  root.append(el('h3', { textContent: 'Hồ sơ theo dõi đánh giá "Không hài lòng"' }));
  if (!cases.length) root.append(el('p', { textContent: 'Không có hồ sơ theo dõi.' }));
  for (const c of cases) {
    const box = el('div', { className: `case${c.overdue ? ' overdue' : ''}` });
    const state = c.closedAt ? `Đã đóng ${fmt(c.closedAt)}` : c.overdue ? 'QUÁ HẠN' : 'Đang xử lý';
    box.append(
      el('h4', {
        textContent: `#${c.id} · ${c.kind === 'alert' ? 'Tỷ lệ không hài lòng cao' : 'Đánh giá không hài lòng'} · ${c.counter ?? ''} · ${state}`,
      }),
      el('p', {
        textContent: `Lúc ${fmt(c.ratedAt)} · Số hồ sơ: ${c.dossier ?? '—'} · Hạn: ${c.dueAt ? fmt(c.dueAt - 1) : (c.deadlineError ?? '—')} · Người xử lý: ${c.assignee ?? 'chưa giao'}`,
      }),
      el(
        'ul',
        {},
        ...c.steps.map((s) => el('li', { textContent: `${fmt(s.at)} ${s.by} – ${STEP_KINDS[s.kind]}: ${s.text}` })),
      ),
    );
    const act = async (path, body) => {
      try {
        await api('POST', `/api/followup/cases/${c.id}/${path}`, body);
        void loadFollowup({ api, el, say, me });
      } catch (e) {
        say(e.message);
      }
    };
    if (!c.closedAt) {
      const text = el('input', { placeholder: 'nội dung' });
      const buttons = [
        el('button', {
          type: 'button',
          textContent: 'Ghi liên hệ',
          onclick: () => act('steps', { kind: 'contact', text: text.value }),
        }),
        el('button', {
          type: 'button',
          textContent: 'Ghi xử lý',
          onclick: () => act('steps', { kind: 'action', text: text.value }),
        }),
        el('button', {
          type: 'button',
          textContent: 'Đóng hồ sơ',
          onclick: () => act('close', { closing: text.value }),
        }),
      ];
      if (me.role === 'leader')
        buttons.push(
          el('button', {
            type: 'button',
            textContent: 'Giao cho (tên đăng nhập)',
            onclick: () => act('assign', { assignee: text.value.trim() }),
          }),
        );
      box.append(text, ...buttons);
    }
    root.append(box);
  }
}
