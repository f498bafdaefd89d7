// The console's web UI: plain JS, no build step. All text shown to people is Vietnamese; data goes in via textContent only.
import { loadDevices } from './devices.js';
import { loadLive } from './live.js';
import { initRecorder } from './record.js';
import { loadBroadcast, showPolicyBesideForm } from './broadcast.js';
import { loadFollowup } from './followup.js';
import { loadSatisfaction } from './satisfaction.js';
import { renderUsers } from './users.js';
import { attachPickers, readPicker, writePicker } from './datetime.js';
import { renderList } from './list.js';
const $ = (sel, root = document) => root.querySelector(sel);
const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];
let me = null;
let hamlets = [];
let current = null;
let refreshTimer = null;

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const res = await fetch(path, init);
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') showLogin();
    throw new Error(data?.error?.message ?? `Lỗi ${res.status}`);
  }
  // a change went through: an error shown for an earlier try is no longer true
  if (method !== 'GET' && !$('#message').classList.contains('ok')) say('');
  return data;
}

function say(text, ok = false) {
  const box = $('#message');
  box.textContent = text;
  box.className = ok ? 'ok' : '';
  box.hidden = !text;
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

function fmtTime(iso) {
  return iso ? new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }) : '';
}

function showView(id) {
  clearInterval(refreshTimer);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== id;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === id);
  const loaders = { 'list-view': loadList, 'speakers-view': loadSpeakers, 'devices-view': () => loadDevices({ api, el }), 'followup-view': () => loadFollowup({ api, el, say, me }), 'satisfaction-view': () => loadSatisfaction({ api, el, say }), 'audit-view': loadAudit, 'users-view': loadUsers, 'form-view': () => showPolicyBesideForm({ api }), 'emergency-view': () => {}, 'broadcast-view': () => loadBroadcast({ api, el, say, me }), 'live-view': () => loadLive({ api, el, say, hamlets, me }) };
  // views without a loader (the forms) have nothing to fetch
  Promise.resolve(loaders[id]?.()).catch((e) => say(e.message));
}

function showLogin() {
  me = null;
  $('#login-view').hidden = false;
  $('#tabs').hidden = true;
  $('#who').hidden = true;
  for (const v of document.querySelectorAll('.view')) v.hidden = true;
}

async function showApp(user) {
  me = user;
  $('#login-view').hidden = true;
  $('#tabs').hidden = false;
  $('#who').hidden = false;
  $('#who-name').textContent = user.displayName || user.username;
  $('#who-role').textContent = `${user.roleLabel}${user.communes.length ? ' – ' + user.communes.map((c) => c.name).join(', ') : ''}`;
  for (const b of document.querySelectorAll('#tabs button')) b.hidden = !!b.dataset.roles && !b.dataset.roles.split(' ').includes(user.role);
  hamlets = await api('GET', '/api/hamlets');
  renderHamletBoxes();
  showView('list-view');
}

function renderHamletBoxes() {
  for (const box of [$('#hamlet-boxes'), $('#emergency-form .hamlet-boxes')]) {
    box.replaceChildren(...hamlets.map((h) => el('label', {}, el('input', { type: 'checkbox', name: 'hamlet', value: h.id }), ` ${h.name}`)));
  }
  $('#weekday-boxes').replaceChildren(...WEEKDAYS.map((d, i) => el('label', {}, el('input', { type: 'checkbox', name: 'weekday', value: String(i + 1) }), ` ${d}`)));
}

async function loadList() {
  const { items: list } = await api('GET', '/api/announcements');
  const statusLabels = Object.fromEntries(list.map((a) => [a.status, a.statusLabel]));
  renderList({
    list, el, statusLabels, onOpen: openDetail,
    tbody: $('#list-table tbody'), controls: $('#list-controls'),
    columns: (a) => [a.title + (a.revisionOf ? ' (bản sửa)' : ''), a.priorityLabel, a.scheduleLabel, a.statusLabel, fmtTime(a.updatedAt)],
  });
}

async function openDetail(id) {
  await renderDetail(id);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'detail-view';
  for (const b of document.querySelectorAll('#tabs button')) b.classList.remove('active');
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => renderDetail(id).catch(() => {}), 3000);
}

async function renderDetail(id) {
  const { announcement: a } = await api('GET', `/api/announcements/${id}`);
  current = a;
  $('#detail-title').textContent = a.title;
  const info = [['Trạng thái', a.statusLabel], ['Mức ưu tiên', a.priorityLabel], ['Lịch', a.scheduleLabel], ['Nội dung', a.contentLabel], ['Lặp / âm lượng', `${a.repeats} lần / ${a.volume}`], ['Người tạo', a.createdBy], ['Người duyệt', a.approvedBy ?? '—']];
  if (a.rejectReason) info.push(['Lý do từ chối', a.rejectReason]);
  $('#detail-info').replaceChildren(...info.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
  $('#detail-info').dataset.status = a.status;
  $('#detail-actions').replaceChildren(...actionsFor(a));
  $('#delivery-table tbody').replaceChildren(
    ...a.delivery.map((d) => {
      const tr = el('tr', {}, el('td', { textContent: d.name }), el('td', { textContent: d.label, className: `state-${d.state} delivery-state` }), el('td', { textContent: d.counts.played ? `${d.counts.played} lượt (${d.counts.timesSpoken} lần đọc)` : '0' }), el('td', { textContent: d.counts.failed }), el('td', { textContent: d.counts.missed }), el('td', { textContent: d.speakers.map((s) => s.label).join(', ') }));
      tr.dataset.hamlet = d.hamlet;
      return tr;
    }),
  );
  const { items: audit } = await api('GET', `/api/audit?target=${encodeURIComponent(id)}`);
  $('#detail-audit').replaceChildren(...audit.map((e) => el('li', { textContent: `${fmtTime(e.at)} – ${e.userLabel}: ${e.actionLabel}` })));
}

/** the server says what this user may do with it (console/announcement-view.ts) */
function actionsFor(a) {
  const act = (path, body) => async () => { await api('POST', `/api/announcements/${a.id}/${path}`, body); say('Đã thực hiện.', true); await renderDetail(a.id); };
  const run = {
    edit: async () => editForm(a),
    submit: act('submit'),
    approve: act('approve'),
    reject: async (x) => { const reason = prompt(x.asksReason); if (reason !== null) await act('reject', { reason })(); },
    'replace-emergency': async () => replaceEmergency(a),
    stop: act('stop'),
  };
  return a.actions.map((x) => el('button', { type: 'button', textContent: x.label, className: x.danger ? 'danger' : '', onclick: () => (x.confirm && !confirm(x.confirm) ? Promise.resolve() : run[x.action](x)).catch((e) => say(e.message)) }));
}

function editForm(a) {
  const f = $('#ann-form');
  f.reset();
  f.annId.value = a.id;
  f.title.value = a.title;
  f.text.value = a.text ?? '';
  f.source.value = a.text ? 'text' : 'audio';
  f.dataset.audio = a.text ? '' : a.audio.sha256;
  f.kind.value = a.schedule.kind;
  if (a.schedule.kind === 'once') writePicker(f.at, a.schedule.at);
  else { writePicker(f.time, a.schedule.time); writePicker(f.from, a.schedule.from); writePicker(f.to, a.schedule.to); }
  for (const box of f.querySelectorAll('[name=weekday]')) box.checked = (a.schedule.weekdays ?? []).includes(Number(box.value));
  f['all-hamlets'].checked = a.hamlets === 'all';
  for (const box of f.querySelectorAll('[name=hamlet]')) box.checked = a.hamlets !== 'all' && a.hamlets.includes(box.value);
  f.repeats.value = a.repeats;
  f.volume.value = a.volume;
  f.priority.value = a.priority;
  $('#form-heading').textContent = a.status === 'approved' ? 'Sửa thông báo (bản sửa chờ duyệt; bản đã duyệt vẫn phát đến khi bản sửa được duyệt)' : 'Sửa thông báo';
  syncForm();
  showView('form-view');
}

function syncForm() {
  const f = $('#ann-form');
  const kind = f.kind.value;
  for (const e of f.querySelectorAll('.once')) e.hidden = kind !== 'once';
  for (const e of f.querySelectorAll('.recurring')) e.hidden = kind === 'once';
  $('#weekday-boxes').hidden = kind !== 'weekly';
  f.text.hidden = f.source.value !== 'text';
  f.file.hidden = f.source.value !== 'audio';
  $('#hamlet-boxes').hidden = f['all-hamlets'].checked;
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`[name=${name}]:checked`)].map((b) => b.value);
}

async function submitForm(ev) {
  ev.preventDefault();
  const f = ev.target;
  let audio;
  if (f.source.value === 'audio') {
    if (f.file.files[0]) {
      const fd = new FormData();
      fd.append('file', f.file.files[0]);
      audio = (await api('POST', '/api/audio', fd)).sha256;
    } else audio = f.dataset.audio || undefined;
  }
  const kind = f.kind.value;
  const schedule = kind === 'once' ? { kind, at: readPicker(f.at) } : { kind, time: readPicker(f.time), from: readPicker(f.from), to: readPicker(f.to), ...(kind === 'weekly' ? { weekdays: checkedValues(f, 'weekday').map(Number) } : {}) };
  const body = {
    title: f.title.value,
    ...(f.source.value === 'text' ? { text: f.text.value } : { audio }),
    hamlets: f['all-hamlets'].checked ? 'all' : checkedValues(f, 'hamlet'),
    schedule,
    repeats: Number(f.repeats.value),
    volume: Number(f.volume.value),
    priority: f.priority.value,
  };
  const id = f.annId.value;
  const saved = (id ? await api('PUT', `/api/announcements/${id}`, body) : await api('POST', '/api/announcements', body)).announcement;
  say('Đã lưu bản nháp. Gửi lãnh đạo xã duyệt để phát.', true);
  f.reset();
  f.annId.value = '';
  syncForm();
  await openDetail(saved.id);
}

/** a leader's change of an emergency on the air: a new emergency replaces it at once */
function replaceEmergency(a) {
  const f = $('#emergency-form');
  f.reset();
  f.dataset.replaces = a.id;
  f.title.value = a.title;
  f.text.value = a.text ?? '';
  f['all-hamlets'].checked = a.hamlets === 'all';
  for (const box of f.querySelectorAll('[name=hamlet]')) box.checked = a.hamlets !== 'all' && a.hamlets.includes(box.value);
  showView('emergency-view');
}

async function submitEmergency(ev) {
  ev.preventDefault();
  const f = ev.target;
  const replaces = f.dataset.replaces;
  if (!confirm(replaces ? 'Phát ngay nội dung khẩn cấp mới thay cho thông báo đang phát?' : 'Phát thông báo khẩn cấp ngay bây giờ?')) return;
  const body = { title: f.title.value, text: f.text.value, hamlets: f['all-hamlets'].checked ? 'all' : checkedValues(f, 'hamlet') };
  const res = replaces ? await api('PUT', `/api/announcements/${replaces}`, body) : await api('POST', '/api/emergency', body);
  say('Đã phát khẩn cấp.', true);
  f.reset();
  delete f.dataset.replaces;
  await openDetail(res.id);
}

async function loadSpeakers() {
  const { items: list } = await api('GET', '/api/speakers');
  const name = (id) => hamlets.find((h) => h.id === id)?.name ?? id;
  $('#speakers-table tbody').replaceChildren(...list.map((s) => el('tr', {}, el('td', { textContent: s.id }), el('td', { textContent: name(s.hamlet) }), el('td', { textContent: `${s.version}${s.pending ? ' (đang gửi)' : ''}` }), el('td', { textContent: s.active ?? '—' }), el('td', { textContent: s.verdictLabel }))));
}

async function loadAudit() {
  const { items: list } = await api('GET', '/api/audit');
  $('#audit-table tbody').replaceChildren(...list.map((e) => el('tr', {}, el('td', { textContent: fmtTime(e.at) }), el('td', { textContent: e.userLabel }), el('td', { textContent: e.actionLabel }), el('td', { textContent: e.targetLabel ?? e.target ?? '', title: e.target ?? '' }))));
}

async function loadUsers() {
  await renderUsers({ api, el, say, table: $('#users-table tbody') });
}

async function submitUser(ev) {
  ev.preventDefault();
  const f = ev.target;
  const communes = f.communes.value.split(',').map((s) => s.trim()).filter(Boolean);
  await api('POST', '/api/users', { username: f.username.value, password: f.password.value, role: f.role.value, communes });
  say('Đã thêm người dùng.', true);
  f.reset();
  await loadUsers();
}

const guard = (fn) => (ev) => fn(ev).catch((e) => say(e.message));

$('#login-form').addEventListener('submit', guard(async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const { user } = await api('POST', '/api/session', { username: f.username.value, password: f.password.value });
  f.reset();
  say('');
  await showApp(user);
}));
$('#logout').addEventListener('click', guard(async () => { await api('DELETE', '/api/session'); showLogin(); }));
for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => { say(''); delete $('#emergency-form').dataset.replaces; showView(b.dataset.view); });
initRecorder({ api, say });
$('#ann-form').addEventListener('change', syncForm);
$('#ann-form').addEventListener('submit', guard(submitForm));
$('#emergency-form').addEventListener('submit', guard(submitEmergency));
$('#user-form').addEventListener('submit', guard(submitUser));
$('#ann-form [name=file]').addEventListener('change', () => ($('#audio-info').textContent = ''));

attachPickers($('#ann-form'));
syncForm();
api('GET', '/api/me').then(({ user }) => showApp(user)).catch(() => showLogin());
