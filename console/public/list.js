// The announcement list: a filter by status and words, and pages of PAGE_SIZE rows.
export const PAGE_SIZE = 20;
const state = { status: '', words: '', page: 0 };

export function renderList({ list, el, tbody, controls, columns, onOpen, statusLabels }) {
  const words = state.words.trim().toLocaleLowerCase('vi');
  const shown = list.filter((a) => (!state.status || a.status === state.status) && (!words || a.title.toLocaleLowerCase('vi').includes(words)));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  state.page = Math.min(state.page, pages - 1);
  const rerender = () => renderList({ list, el, tbody, controls, columns, onOpen, statusLabels });

  const status = el('select', { name: 'status-filter', onchange: (e) => { state.status = e.target.value; state.page = 0; rerender(); } },
    el('option', { value: '', textContent: 'Mọi trạng thái' }),
    ...Object.entries(statusLabels).map(([v, t]) => el('option', { value: v, textContent: t, selected: v === state.status })));
  const search = el('input', { type: 'search', name: 'title-filter', placeholder: 'Tìm theo tiêu đề', value: state.words });
  search.addEventListener('input', () => { state.words = search.value; state.page = 0; rerender(); });
  const prev = el('button', { type: 'button', textContent: '‹ Trang trước', disabled: state.page === 0, onclick: () => { state.page--; rerender(); } });
  const next = el('button', { type: 'button', textContent: 'Trang sau ›', disabled: state.page >= pages - 1, onclick: () => { state.page++; rerender(); } });
  const where = el('span', { className: 'page-info', textContent: `Trang ${state.page + 1}/${pages} · ${shown.length} thông báo` });
  const focused = document.activeElement?.name;
  controls.replaceChildren(el('label', {}, 'Trạng thái ', status), el('label', {}, 'Tiêu đề ', search), prev, where, next);
  if (focused === 'title-filter') { search.focus(); search.setSelectionRange(search.value.length, search.value.length); }

  const page = shown.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
  tbody.replaceChildren(
    ...page.map((a) => {
      const tr = el('tr', { className: 'clickable' }, ...columns(a).map((text, i) => el('td', { textContent: text, className: i === 3 ? 'status' : '' })));
      tr.dataset.id = a.id;
      tr.addEventListener('click', () => onOpen(a.id));
      return tr;
    }),
  );
  if (!list.length) tbody.replaceChildren(el('tr', {}, el('td', { colSpan: 5, textContent: 'Chưa có thông báo nào. Chọn “Tạo thông báo” để soạn thông báo đầu tiên.' })));
  else if (!shown.length) tbody.replaceChildren(el('tr', {}, el('td', { colSpan: 5, textContent: 'Không có thông báo nào khớp với bộ lọc.' })));
}
