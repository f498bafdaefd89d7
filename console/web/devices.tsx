import { useEffect, useState } from 'preact/hooks';
import type { AlertsAnswer, DeviceView } from '../api/device.ts';
import { api, say } from './api.ts';
import { fmtTime } from './dates.ts';

/**
 * "Thiết bị": each device's and camera's health (online now, last seen, uptime today and over 7 days) and the
 * alerts, open ones first. Every word is the server's (GET /api/devices, /api/alerts).
 */
const STATE_CLASS = { true: 'state-played', false: 'state-failed', null: 'state-pending' } as const;
const percent = (f: number) => `${(Math.round(f * 1000) / 10).toLocaleString('vi-VN')} %`;
const when = (iso: string | null | undefined) => fmtTime(iso) || '—';

export function DevicesView() {
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [alerts, setAlerts] = useState<AlertsAnswer | null>(null);
  useEffect(() => {
    Promise.all([api<{ items: DeviceView[] }>('GET', '/api/devices'), api<AlertsAnswer>('GET', '/api/alerts')]).then(
      ([d, a]) => (setDevices(d.items), setAlerts(a)),
      (e: Error) => say(e.message),
    );
  }, []);
  return (
    <>
      <table id="devices-table">
        <thead>
          <tr>
            <th>Loại</th>
            <th>Vị trí</th>
            <th>Trạng thái</th>
            <th>Lần cuối</th>
            <th>Hoạt động hôm nay %</th>
            <th>7 ngày %</th>
          </tr>
        </thead>
        <tbody>
          {devices?.map((d) => (
            <tr key={d.id} data-device={d.id}>
              <td>{d.kindLabel}</td>
              <td title={d.id}>{`${d.place} (${d.communeName})`}</td>
              <td class={STATE_CLASS[`${d.online}`]}>
                {d.stateLabel}
                {d.note && <div class="warn-note">{d.note}</div>}
              </td>
              <td>{when(d.lastSeen)}</td>
              <td>{percent(d.uptimeToday)}</td>
              <td>{percent(d.uptime7d)}</td>
            </tr>
          ))}
          {devices?.length === 0 && (
            <tr>
              <td colSpan={6}>Chưa có thiết bị nào trong sổ đăng ký.</td>
            </tr>
          )}
        </tbody>
      </table>
      <h3>Cảnh báo</h3>
      {alerts && <AlertList alerts={alerts} />}
    </>
  );
}

/** open alerts first, then the recent history (an open alert is not listed twice) */
function AlertList({ alerts }: { alerts: AlertsAnswer }) {
  const openIds = new Set(alerts.open.map((a) => a.id));
  const items = [...alerts.open, ...alerts.recent.filter((a) => !openIds.has(a.id))];
  return (
    <ul id="alerts-list">
      {items.map((a) => (
        <li key={a.id} class={a.open ? 'state-failed' : undefined}>
          <strong>{`${a.stateLabel}: ${a.kindLabel}`}</strong>
          {` – ${[a.deviceKind, a.place].filter(Boolean).join(' – ') || a.device} – ${when(a.time)}`}
          {a.since ? ` (từ ${when(a.since)})` : ''}
        </li>
      ))}
      {!items.length && <li>Không có cảnh báo nào.</li>}
    </ul>
  );
}
