import 'flatpickr/dist/flatpickr.min.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SoundPolicy } from '../../devices/contract/broadcast.ts';
import type { AnnouncementDetail } from '../api/announcement.ts';
import { api, banner, guard, say, sessionLost, type Me } from './api.ts';
import { AnnouncementDetailView } from './announcement-detail.tsx';
import { AnnouncementForm } from './announcement-form.tsx';
import { AnnouncementListView } from './announcement-list.tsx';
import { DevicesView } from './devices.tsx';
import { EmergencyForm } from './emergency-form.tsx';
import { FleetView } from './fleet.tsx';
import { FollowupView } from './followup.tsx';
import { LiveView } from './live.tsx';
import { RelayView } from './relay.tsx';
import { SatisfactionView } from './satisfaction.tsx';
import { BroadcastView, policyText } from './broadcast.tsx';
import { AuditView, SpeakersView, UsersView } from './lists.tsx';
import { Button, Field, type Hamlet } from './ui.tsx';

/**
 * The console's web UI (Preact), one component file per view. Every label comes from the server or is written
 * here in Vietnamese.
 */

const TABS: Array<{ view: string; label: string; roles?: Me['role'][] }> = [
  { view: 'list-view', label: 'Thông báo' },
  { view: 'form-view', label: 'Tạo thông báo', roles: ['staff', 'leader'] },
  { view: 'emergency-view', label: 'Phát khẩn cấp', roles: ['leader'] },
  { view: 'relay-view', label: 'Tiếp sóng', roles: ['staff', 'leader', 'admin'] },
  { view: 'live-view', label: 'Phát trực tiếp', roles: ['staff', 'leader'] },
  { view: 'broadcast-view', label: 'Điều hành loa toàn tỉnh' },
  { view: 'speakers-view', label: 'Loa' },
  { view: 'devices-view', label: 'Thiết bị' },
  { view: 'fleet-view', label: 'Thiết bị mới & cập nhật' },
  { view: 'satisfaction-view', label: 'Mức độ hài lòng' },
  { view: 'followup-view', label: 'Hồ sơ & theo dõi', roles: ['staff', 'leader'] },
  { view: 'audit-view', label: 'Nhật ký thao tác' },
  { view: 'users-view', label: 'Người dùng', roles: ['admin'] },
];

function Login(props: { onIn(me: Me): void }) {
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    const { user } = await api<{ user: Me }>('POST', '/api/session', {
      username: v('username'),
      password: v('password'),
    });
    f.reset();
    say('');
    props.onIn(user);
  };
  return (
    <section id="login-view" class="card narrow">
      <h2>Đăng nhập</h2>
      <form id="login-form" onSubmit={guard(submit)}>
        <Field label="Tên đăng nhập">
          <input name="username" autocomplete="username" required />
        </Field>
        <Field label="Mật khẩu">
          <input name="password" type="password" autocomplete="current-password" required />
        </Field>
        <button type="submit">Đăng nhập</button>
      </form>
    </section>
  );
}

function Message() {
  const { text, ok } = banner.value;
  return (
    <div id="message" role="alert" hidden={!text} class={ok ? 'ok' : undefined}>
      {text}
    </div>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [hamlets, setHamlets] = useState<Hamlet[]>([]);
  const [view, setView] = useState('list-view');
  const [detail, setDetail] = useState<string | null>(null);
  const [editing, setEditing] = useState<AnnouncementDetail | null>(null);
  const [replacing, setReplacing] = useState<AnnouncementDetail | null>(null);
  const [policy, setPolicy] = useState('');
  // a view is opened afresh each time (its data is loaded again)
  const [visit, setVisit] = useState(0);

  const enter = async (user: Me) => {
    setHamlets((await api<{ items: Hamlet[] }>('GET', '/api/hamlets')).items);
    setMe(user);
    open('list-view');
  };
  useEffect(() => {
    api<{ user: Me }>('GET', '/api/me').then(
      ({ user }) => enter(user),
      () => setMe(null),
    );
  }, []);
  useEffect(() => sessionLost.subscribe((n) => n && setMe(null)), []);
  const open = (v: string) => {
    setView(v);
    setDetail(null);
    setVisit((n) => n + 1);
    if (v === 'form-view')
      api<{ effective: SoundPolicy }>('GET', '/api/policy').then(
        (p) => setPolicy(policyText(p.effective)),
        () => setPolicy(''),
      );
  };
  const openDetail = (id: string) => {
    setDetail(id);
    setView('detail-view');
  };

  if (me === undefined) return null;
  const logout = guard(async () => {
    await api('DELETE', '/api/session');
    setMe(null);
  });
  const shows = (v: string) => !!me && view === v;
  return (
    <>
      <header>
        <h1>Đài truyền thanh xã</h1>
        <div id="who" hidden={!me}>
          <span id="who-name">{me ? me.displayName || me.username : ''}</span> ·{' '}
          <span id="who-role">
            {me ? `${me.roleLabel}${me.communes.length ? ` – ${me.communes.map((c) => c.name).join(', ')}` : ''}` : ''}
          </span>{' '}
          <Button id="logout" onClick={logout}>
            Đăng xuất
          </Button>
        </div>
      </header>
      <Message />
      {!me && <Login onIn={(u) => void enter(u).catch((e: Error) => say(e.message))} />}
      <nav id="tabs" hidden={!me}>
        {TABS.map((t) => (
          <button
            key={t.view}
            type="button"
            data-view={t.view}
            hidden={!!t.roles && !!me && !t.roles.includes(me.role)}
            class={view === t.view ? 'active' : undefined}
            onClick={() => (say(''), setEditing(null), setReplacing(null), open(t.view))}
          >
            {t.label}
          </button>
        ))}
      </nav>
      <section id="list-view" class="view" hidden={!shows('list-view')}>
        <h2>Danh sách thông báo</h2>
        {shows('list-view') && <AnnouncementListView key={visit} onOpen={openDetail} />}
      </section>
      <section id="detail-view" class="view" hidden={!shows('detail-view')}>
        {shows('detail-view') && detail && (
          <AnnouncementDetailView
            id={detail}
            onEdit={(a) => (setEditing(a), open('form-view'))}
            onReplaceEmergency={(a) => (setReplacing(a), open('emergency-view'))}
          />
        )}
      </section>
      <section id="form-view" class="view" hidden={!shows('form-view')}>
        {me && (
          <AnnouncementForm
            hamlets={hamlets}
            editing={editing}
            policy={policy}
            onSaved={(id) => (setEditing(null), openDetail(id))}
          />
        )}
      </section>
      <section id="emergency-view" class="view" hidden={!shows('emergency-view')}>
        {me && (
          <EmergencyForm
            me={me}
            hamlets={hamlets}
            replaces={replacing}
            onSent={(id) => (setReplacing(null), openDetail(id))}
          />
        )}
      </section>
      <section id="relay-view" class="view" hidden={!shows('relay-view')}>
        <h2>Tiếp sóng đài phát thanh</h2>
        {shows('relay-view') && me && <RelayView key={visit} me={me} hamlets={hamlets} onSaved={openDetail} />}
      </section>
      <section id="live-view" class="view" hidden={!shows('live-view')}>
        <h2>Phát trực tiếp</h2>
        {/* mounted while signed in: another tab does not cut a broadcast */}
        {me && (me.role === 'staff' || me.role === 'leader') && (
          <LiveView me={me} hamlets={hamlets} visit={visit} shown={shows('live-view')} />
        )}
      </section>
      <section id="broadcast-view" class="view" hidden={!shows('broadcast-view')}>
        <h2>Phát toàn tỉnh, dừng phát và giờ yên tĩnh</h2>
        {shows('broadcast-view') && me && <BroadcastView key={visit} me={me} />}
      </section>
      <section id="devices-view" class="view" hidden={!shows('devices-view')}>
        <h2>Tình trạng thiết bị</h2>
        {shows('devices-view') && <DevicesView key={visit} />}
      </section>
      <section id="fleet-view" class="view" hidden={!shows('fleet-view')}>
        <h2>Thiết bị mới, phiên bản và cập nhật</h2>
        {shows('fleet-view') && me && <FleetView key={visit} me={me} hamlets={hamlets} />}
      </section>
      <section id="speakers-view" class="view" hidden={!shows('speakers-view')}>
        <h2>Loa và lịch phát</h2>
        {shows('speakers-view') && <SpeakersView key={visit} hamlets={hamlets} />}
      </section>
      {shows('satisfaction-view') && <SatisfactionView key={visit} />}
      <section id="followup-view" class="view" hidden={!shows('followup-view')}>
        <h2>Hồ sơ một cửa, chỉ số và theo dõi</h2>
        {shows('followup-view') && me && <FollowupView key={visit} me={me} />}
      </section>
      <section id="audit-view" class="view" hidden={!shows('audit-view')}>
        <h2>Nhật ký thao tác</h2>
        {shows('audit-view') && <AuditView key={visit} />}
      </section>
      <section id="users-view" class="view" hidden={!shows('users-view')}>
        <h2>Người dùng</h2>
        {shows('users-view') && <UsersView key={visit} />}
      </section>
    </>
  );
}

render(<App />, document.getElementById('app')!);
