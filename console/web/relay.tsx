import { useEffect, useState } from 'preact/hooks';
import type { AnnouncementEnvelope, AnnouncementRequest } from '../api/announcement.ts';
import type { StationList, StationView } from '../api/station.ts';
import { api, guard, say, type Me } from './api.ts';
import { fmtTime } from './dates.ts';
import { readSchedule, ScheduleFields, type ScheduleKind } from './schedule-fields.tsx';
import { Button, checkedValues, Field, HamletBoxes, type Hamlet } from './ui.tsx';

/**
 * "Tiếp sóng": relay a station the province approved (VOV, the provincial radio) on chosen hamlets for a time
 * window, once, daily or weekly; approved and signed like any announcement. The administrator (for the
 * province) approves the stations; a signed schedule can point speakers at no other stream.
 */
export function RelayView(props: { me: Me; hamlets: Hamlet[]; onSaved(id: string): void }) {
  const [stations, setStations] = useState<StationView[]>([]);
  const load = async () => setStations((await api<StationList>('GET', '/api/stations')).items);
  useEffect(guard(load), []);
  const prepares = props.me.role === 'staff' || props.me.role === 'leader';
  const admin = props.me.role === 'admin';
  const usable = stations.filter((s) => !s.revokedAt);
  // the province withdraws a station: every relay of it stops on the speakers, new ones are refused
  const revoke = async (s: StationView) => {
    if (
      !window.confirm(
        `Thu hồi đài "${s.name}"? Mọi lịch tiếp sóng đài này sẽ dừng trên loa các xã và không thể tạo lịch mới với đài này.`,
      )
    )
      return;
    await api<StationView>('POST', `/api/stations/${encodeURIComponent(s.id)}/revoke`);
    say(`Đã thu hồi đài "${s.name}".`, true);
    await load();
  };
  return (
    <>
      <h3>Đài được tỉnh duyệt tiếp sóng</h3>
      <table id="stations-table">
        <thead>
          <tr>
            <th>Đài</th>
            <th>Địa chỉ luồng</th>
            <th>Ngày duyệt</th>
            <th>Tình trạng</th>
          </tr>
        </thead>
        <tbody>
          {stations.length ? (
            stations.map((s) => (
              <tr key={s.id} data-station={s.id}>
                <td>{s.name}</td>
                <td>{s.url}</td>
                <td>{fmtTime(s.approvedAt)}</td>
                <td>
                  {s.revokedAt ? (
                    `Đã thu hồi ${fmtTime(s.revokedAt)}`
                  ) : admin ? (
                    <Button type="button" danger class="revoke-station" onClick={guard(() => revoke(s))}>
                      Thu hồi
                    </Button>
                  ) : (
                    'Được tiếp sóng'
                  )}
                </td>
              </tr>
            ))
          ) : (
            <tr>
              <td colSpan={4}>Tỉnh chưa duyệt đài nào để tiếp sóng.</td>
            </tr>
          )}
        </tbody>
      </table>
      {admin && <StationForm onSaved={load} />}
      {prepares && usable.length > 0 && <RelayForm stations={usable} hamlets={props.hamlets} onSaved={props.onSaved} />}
    </>
  );
}

function StationForm(props: { onSaved(): Promise<void> }) {
  const approve = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    await api('POST', '/api/stations', { name: v('name'), url: v('url'), format: v('format') || undefined });
    say('Đã duyệt đài tiếp sóng.', true);
    f.reset();
    await props.onSaved();
  };
  return (
    <form id="station-form" onSubmit={guard(approve)}>
      <h3>Duyệt thêm đài</h3>
      <Field label="Tên đài" required>
        <input name="name" required maxLength={200} />
      </Field>
      <Field label="Địa chỉ luồng (http:// hoặc https://)" required>
        <input name="url" type="url" required />
      </Field>
      <Field label="Định dạng">
        <select name="format">
          <option value="">Tự nhận biết</option>
          <option value="mp3">MP3</option>
          <option value="aac">AAC</option>
          <option value="ogg">OGG</option>
          <option value="hls">HLS</option>
        </select>
      </Field>
      <button type="submit">Duyệt đài</button>
    </form>
  );
}

function RelayForm(props: { stations: StationView[]; hamlets: Hamlet[]; onSaved(id: string): void }) {
  const [kind, setKind] = useState<ScheduleKind>('daily');
  const [all, setAll] = useState(true);
  const create = async (ev: Event) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    const body = {
      title: v('title'),
      ...(v('text').trim() ? { text: v('text') } : {}),
      hamlets: all ? 'all' : checkedValues(f, 'hamlet'),
      schedule: readSchedule(f, kind),
      relay: { station: v('station'), durationMin: Number(v('durationMin')) },
      volume: Number(v('volume')),
    } as AnnouncementRequest;
    const saved = await api<AnnouncementEnvelope>('POST', '/api/announcements', body);
    say('Đã lưu bản nháp tiếp sóng. Gửi lãnh đạo duyệt để phát.', true);
    props.onSaved(saved.id);
  };
  return (
    <form id="relay-form" onSubmit={guard(create)}>
      <h3>Tạo lịch tiếp sóng</h3>
      <Field label="Tiêu đề" required>
        <input name="title" required maxLength={300} />
      </Field>
      <Field label="Đài" required>
        <select name="station">
          {props.stations.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Thời lượng mỗi lần (phút, 1–360)" required>
        <input name="durationMin" type="number" min={1} max={360} defaultValue="30" required />
      </Field>
      <Field label="Lời giới thiệu (để trống: câu giới thiệu mặc định)">
        <textarea name="text" rows={2} />
      </Field>
      <fieldset>
        <legend class="req">Thôn/ấp nhận</legend>
        <HamletBoxes hamlets={props.hamlets} all={all} onAll={setAll} />
      </fieldset>
      <ScheduleFields kind={kind} onKind={setKind} />
      <Field label="Âm lượng (0–100)">
        <input type="number" name="volume" min={0} max={100} defaultValue="70" />
      </Field>
      <button type="submit">Lưu bản nháp tiếp sóng</button>
    </form>
  );
}
