import { useEffect, useState } from 'preact/hooks';
import type { RoleList, UserList } from '../api/admin.ts';
import type { AuditEntry, SpeakerState } from '../api/console.ts';
import { api, guard, say } from './api.ts';
import { fmtTime } from './dates.ts';
import { Button, Field, type Hamlet } from './ui.tsx';

/** "Loa": each speaker's schedule version and its verdict, as the server words it */
export function SpeakersView(props: { hamlets: Hamlet[] }) {
  const [list, setList] = useState<SpeakerState[]>([]);
  useEffect(
    guard(async () => setList((await api<{ items: SpeakerState[] }>('GET', '/api/speakers')).items)),
    [],
  );
  const name = (id: string) => props.hamlets.find((h) => h.id === id)?.name ?? id;
  return (
    <table id="speakers-table">
      <thead>
        <tr>
          <th>Loa</th>
          <th>Thôn/ấp</th>
          <th>Phiên bản lịch</th>
          <th>Phiên bản lịch loa đang dùng</th>
          <th>Phản hồi</th>
        </tr>
      </thead>
      <tbody>
        {list.map((s) => (
          <tr key={s.id}>
            <td>{s.id}</td>
            <td>{name(s.hamlet)}</td>
            <td>{`${s.version}${s.pending ? ' (đang gửi)' : ''}`}</td>
            <td>{s.active ?? '—'}</td>
            <td>{s.verdictLabel}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Nhật ký thao tác": who did what to which, in words */
export function AuditView() {
  const [list, setList] = useState<AuditEntry[]>([]);
  useEffect(
    guard(async () => setList((await api<{ items: AuditEntry[] }>('GET', '/api/audit')).items)),
    [],
  );
  return (
    <table id="audit-table">
      <thead>
        <tr>
          <th>Thời gian</th>
          <th>Người</th>
          <th>Thao tác</th>
          <th>Đối tượng</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e) => (
          <tr key={e.id}>
            <td>{fmtTime(e.at)}</td>
            <td>{e.userLabel}</td>
            <td>{e.actionLabel}</td>
            <td title={e.target ?? ''}>{e.targetLabel ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Account = UserList['items'][number];
type RoleChoice = RoleList['items'][number];

/** "Người dùng": the administrator's accounts: add, lock (after a confirmation), unlock */
export function UsersView() {
  const [list, setList] = useState<Account[]>([]);
  const [roles, setRoles] = useState<RoleChoice[]>([]);
  const load = async () => setList((await api<UserList>('GET', '/api/users')).items);
  useEffect(
    guard(async () => {
      await load();
      // accounts made here work for communes; province and district accounts come from the configuration
      setRoles(
        (await api<RoleList>('GET', '/api/roles')).items.filter((r) => r.level === 'commune' || r.level === null),
      );
    }),
    [],
  );
  const lock = async (u: Account) => {
    if (
      !window.confirm(
        `Khóa tài khoản ${u.username}? Người này sẽ bị đăng xuất và không đăng nhập được cho đến khi được mở khóa.`,
      )
    )
      return;
    await api('DELETE', `/api/users/${encodeURIComponent(u.username)}`);
    say(`Đã khóa ${u.username}.`, true);
    await load();
  };
  const unlock = async (u: Account) => {
    await api('POST', `/api/users/${encodeURIComponent(u.username)}/enable`);
    say(`Đã mở khóa ${u.username}.`, true);
    await load();
  };
  const add = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    const communes = v('communes')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    await api('POST', '/api/users', { username: v('username'), password: v('password'), role: v('role'), communes });
    say('Đã thêm người dùng.', true);
    f.reset();
    await load();
  };
  return (
    <>
      <table id="users-table">
        <thead>
          <tr>
            <th>Tên đăng nhập</th>
            <th>Vai trò</th>
            <th>Xã</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((u) => (
            <tr key={u.username} data-username={u.username} class={u.disabled ? 'disabled' : undefined}>
              <td>{u.username}</td>
              <td>{u.roleLabel + (u.disabled ? ' (đã khóa)' : '')}</td>
              <td>{u.communes.map((c) => c.name).join(', ')}</td>
              <td>
                {u.disabled ? (
                  <Button onClick={guard(() => unlock(u))}>Mở khóa</Button>
                ) : (
                  <Button danger onClick={guard(() => lock(u))}>
                    Khóa
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Thêm người dùng</h3>
      <form id="user-form" onSubmit={guard(add)}>
        <Field label="Tên đăng nhập">
          <input name="username" required />
        </Field>
        <Field label="Mật khẩu">
          <input name="password" type="password" minLength={8} required />
        </Field>
        <Field label="Vai trò">
          <select name="role">
            {roles.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Mã xã (cách nhau bởi dấu phẩy)">
          <input name="communes" />
        </Field>
        <button type="submit">Thêm</button>
      </form>
    </>
  );
}
