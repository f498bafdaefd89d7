import { useEffect, useState } from 'preact/hooks';
import type { ListedRegistration, PendingList, RegistrationEnvelope } from '../api/provisioning.ts';
import type { DeviceVersion, DeviceVersionList, Rollout, RolloutList } from '../api/update.ts';
import { api, guard, say, type Me } from './api.ts';
import { fmtTime } from './dates.ts';
import { Button, Field, type Hamlet } from './ui.tsx';

/**
 * "Thiết bị mới và cập nhật": commune staff register a new Pi and get its one-time code and QR (the Pi claims
 * its identity with it, once); everyone reads each device's version and update state; the administrator starts
 * a staged rollout of a signed release.
 */
type Counter = { id: string; name: string; commune: string };
type Registration = RegistrationEnvelope['registration'];
type Pending = ListedRegistration;

export function FleetView(props: { me: Me; hamlets: Hamlet[] }) {
  const commune = (props.me.role === 'staff' || props.me.role === 'leader') && props.me.level === 'commune';
  return (
    <>
      {commune && <Provisioning hamlets={props.hamlets} />}
      <Versions />
      {props.me.role === 'admin' && <Rollouts me={props.me} />}
    </>
  );
}

function Provisioning(props: { hamlets: Hamlet[] }) {
  const [kind, setKind] = useState<'speaker' | 'rating-box'>('speaker');
  const [counters, setCounters] = useState<Counter[]>([]);
  const [pending, setPending] = useState<Pending[]>([]);
  const [made, setMade] = useState<Registration | null>(null);
  const load = async () => setPending((await api<PendingList>('GET', '/api/provisioning/devices')).items);
  useEffect(
    guard(async () => {
      setCounters((await api<{ items: Counter[] }>('GET', '/api/counters')).items);
      await load();
    }),
    [],
  );
  const register = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value.trim();
    const place = kind === 'speaker' ? { hamlet: v('place') } : { counter: v('place') };
    const { registration: reg } = await api<RegistrationEnvelope>('POST', '/api/provisioning/devices', {
      kind,
      id: v('id'),
      ...place,
      ...(v('name') ? { name: v('name') } : {}),
    });
    setMade(reg);
    say(`Đã tạo mã kích hoạt cho ${reg.deviceId}.`, true);
    f.reset();
    await load();
  };
  const places = kind === 'speaker' ? props.hamlets.map((h) => ({ id: h.id, name: h.name })) : counters;
  return (
    <>
      <h3>Đăng ký thiết bị mới</h3>
      <form id="provision-form" onSubmit={guard(register)}>
        <Field label="Loại thiết bị" required>
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
            <option value="speaker">Loa thôn/ấp</option>
            <option value="rating-box">Hộp đánh giá tại quầy</option>
          </select>
        </Field>
        <Field label="Mã thiết bị (chữ thường, số, gạch ngang)" required>
          <input name="id" required pattern="[a-z0-9][a-z0-9-]*" />
        </Field>
        <Field label={kind === 'speaker' ? 'Thôn/ấp' : 'Quầy'} required>
          <select name="place">
            {places.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Tên gọi (không bắt buộc)">
          <input name="name" maxLength={200} />
        </Field>
        <button type="submit">Tạo mã kích hoạt</button>
      </form>
      {made && (
        <div id="claim-code" class="card">
          <p>
            Mã kích hoạt của <strong>{made.deviceId}</strong>: <code class="claim-code">{made.code}</code> (dùng một
            lần, hết hạn lúc {fmtTime(made.expiresAt)}). Nhập mã này trên thiết bị hoặc quét mã QR.
          </p>
          <img
            alt={`Mã QR kích hoạt ${made.deviceId}`}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(made.qrSvg)}`}
            width={180}
            height={180}
          />
        </div>
      )}
      <table id="provision-table">
        <thead>
          <tr>
            <th>Thiết bị</th>
            <th>Loại</th>
            <th>Vị trí</th>
            <th>Trạng thái</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {pending.map((d) => (
            <tr key={d.deviceId} data-device={d.deviceId}>
              <td>{d.name ? `${d.name} (${d.deviceId})` : d.deviceId}</td>
              <td>{d.kindLabel}</td>
              <td>{d.placeName}</td>
              <td class="claim-state">{d.stateLabel}</td>
              <td>
                {d.state === 'pending' && (
                  <Button
                    onClick={guard(
                      async () => (
                        await api('DELETE', `/api/provisioning/devices/${encodeURIComponent(d.deviceId)}`), await load()
                      ),
                    )}
                  >
                    Hủy mã
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Versions() {
  const [list, setList] = useState<DeviceVersion[] | null>(null);
  useEffect(() => {
    api<DeviceVersionList>('GET', '/api/updates/devices').then(
      (r) => setList(r.items),
      () => setList(null),
    );
  }, []);
  if (!list)
    return <p class="note">Chưa cấu hình khóa phát hành của tỉnh nên chưa theo dõi được phiên bản thiết bị.</p>;
  return (
    <>
      <h3>Phiên bản và cập nhật</h3>
      <table id="versions-table">
        <thead>
          <tr>
            <th>Thiết bị</th>
            <th>Loại</th>
            <th>Xã</th>
            <th>Phiên bản đang chạy</th>
            <th>Bản cập nhật</th>
            <th>Tình trạng cập nhật</th>
            <th>Lúc</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.device} data-device={d.device}>
              <td>{d.device}</td>
              <td>{d.kindLabel}</td>
              <td>{d.communeName}</td>
              <td>{d.version ?? 'chưa báo'}</td>
              <td>{d.target ?? '—'}</td>
              <td class="update-state">{d.stateLabel ?? '—'}</td>
              <td>{fmtTime(d.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Rollouts(props: { me: Me }) {
  const [list, setList] = useState<Rollout[]>([]);
  const load = async () => setList((await api<RolloutList>('GET', '/api/updates/rollouts')).items);
  useEffect(() => void load().catch(() => setList([])), []);
  const start = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    let announcement: unknown;
    try {
      announcement = JSON.parse(v('announcement'));
    } catch {
      return say('Thông báo phát hành phải là nội dung tệp do công cụ phát hành tạo ra (JSON).');
    }
    const communes = [...f.querySelectorAll<HTMLInputElement>('[name=rollout-commune]:checked')].map((b) => b.value);
    await api('POST', '/api/updates/rollouts', { announcement, communes, perMinute: Number(v('perMinute')) });
    say('Đã bắt đầu cập nhật theo từng đợt.', true);
    await load();
  };
  return (
    <>
      <h3>Cập nhật theo đợt</h3>
      <form id="rollout-form" onSubmit={guard(start)}>
        <Field label="Thông báo phát hành đã ký" required>
          <textarea name="announcement" rows={4} required />
        </Field>
        <fieldset>
          <legend class="req">Xã/phường cập nhật (theo thứ tự)</legend>
          {props.me.communes.map((c) => (
            <label key={c.code}>
              <input type="checkbox" name="rollout-commune" value={c.code} /> {c.name}
            </label>
          ))}
        </fieldset>
        <Field label="Số thiết bị mỗi phút">
          <input type="number" name="perMinute" min={1} max={10000} defaultValue="10" />
        </Field>
        <button type="submit">Bắt đầu cập nhật</button>
      </form>
      <ul id="rollouts-list">
        {list.map((r) => (
          <li
            key={r.id}
          >{`Bản ${r.version} · ${r.communes.length} xã · ${r.announced}/${r.total} thiết bị đã nhận thông báo · ${r.failed} lỗi${r.done ? ' · đã xong' : ''}`}</li>
        ))}
      </ul>
    </>
  );
}
