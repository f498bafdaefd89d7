// The administrator's list of accounts: lock (with confirmation) and unlock.
export async function renderUsers({ api, el, say, table }) {
  const list = await api('GET', '/api/users');
  const reload = () => renderUsers({ api, el, say, table });
  const action = (u) => {
    if (u.disabled) {
      return el('button', { type: 'button', textContent: 'Mở khóa', onclick: () => api('POST', `/api/users/${encodeURIComponent(u.username)}/enable`).then(() => say(`Đã mở khóa ${u.username}.`, true)).then(reload).catch((e) => say(e.message)) });
    }
    return el('button', {
      type: 'button', textContent: 'Khóa', className: 'danger',
      onclick: () => {
        if (!window.confirm(`Khóa tài khoản ${u.username}? Người này sẽ bị đăng xuất và không đăng nhập được cho đến khi được mở khóa.`)) return;
        api('DELETE', `/api/users/${encodeURIComponent(u.username)}`).then(() => say(`Đã khóa ${u.username}.`, true)).then(reload).catch((e) => say(e.message));
      },
    });
  };
  table.replaceChildren(
    ...list.map((u) => {
      const row = el('tr', {}, el('td', { textContent: u.username }), el('td', { textContent: u.roleLabel + (u.disabled ? ' (đã khóa)' : '') }), el('td', { textContent: u.communes.map((c) => c.name).join(', ') }), el('td', {}, action(u)));
      row.dataset.username = u.username;
      if (u.disabled) row.classList.add('disabled');
      return row;
    }),
  );
}
