import { useEffect, useState } from 'preact/hooks';
import type { Action, AnnouncementDetail, AnnouncementDetailEnvelope } from '../api/announcement.ts';
import type { AuditEntry } from '../api/console.ts';
import { api, guard, say } from './api.ts';
import { fmtTime } from './dates.ts';
import { Button } from './ui.tsx';

export type DetailProps = {
  id: string;
  onEdit(a: AnnouncementDetail): void;
  onReplaceEmergency(a: AnnouncementDetail): void;
};

/** One announcement: what it is, the buttons the server allows, each hamlet's delivery, its history. */
export function AnnouncementDetailView(props: DetailProps) {
  const [a, setA] = useState<AnnouncementDetail | null>(null);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const load = async () => {
    const { announcement } = await api<AnnouncementDetailEnvelope>('GET', `/api/announcements/${props.id}`);
    setA(announcement);
    setAudit((await api<{ items: AuditEntry[] }>('GET', `/api/audit?target=${encodeURIComponent(props.id)}`)).items);
  };
  useEffect(() => {
    guard(load)();
    // the delivery fills in as speakers report
    const timer = setInterval(() => load().catch(() => {}), 3000);
    return () => clearInterval(timer);
  }, [props.id]);
  if (!a) return null;

  const post = async (path: string, body?: unknown) => {
    await api('POST', `/api/announcements/${a.id}/${path}`, body);
    say('Đã thực hiện.', true);
    await load();
  };
  const run = async (x: Action) => {
    if (x.confirm && !window.confirm(x.confirm)) return;
    if (x.action === 'edit') return props.onEdit(a);
    if (x.action === 'replace-emergency') return props.onReplaceEmergency(a);
    if (x.action === 'reject') {
      const reason = window.prompt(x.asksReason ?? '');
      if (reason !== null) await post('reject', { reason });
      return;
    }
    await post(x.action);
  };
  const info: Array<[string, string]> = [
    ['Trạng thái', a.statusLabel],
    ['Mức ưu tiên', a.priorityLabel],
    ['Lịch', a.scheduleLabel],
    ['Nội dung', a.contentLabel],
    ['Lặp / âm lượng', `${a.repeats} lần / ${a.volume}`],
    ['Người tạo', a.createdBy],
    ['Người duyệt', a.approvedBy ?? '—'],
  ];
  if (a.rejectReason) info.push(['Lý do từ chối', a.rejectReason]);

  return (
    <>
      <h2 id="detail-title">{a.title}</h2>
      <dl id="detail-info" data-status={a.status}>
        {info.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`}>{v}</dd>])}
      </dl>
      <div id="detail-actions">
        {a.actions.map((x) => (
          <Button key={x.action} danger={x.danger} onClick={guard(() => run(x))}>
            {x.label}
          </Button>
        ))}
      </div>
      <h3>Tình trạng phát theo thôn/ấp</h3>
      <table id="delivery-table">
        <thead>
          <tr>
            <th>Thôn/ấp</th>
            <th>Tình trạng</th>
            <th>Đã phát</th>
            <th>Lỗi</th>
            <th>Bỏ lỡ</th>
            <th>Loa (phiên bản lịch)</th>
          </tr>
        </thead>
        <tbody>
          {a.delivery.map((d) => (
            <tr key={d.hamlet} data-hamlet={d.hamlet}>
              <td>{d.name}</td>
              <td class={`state-${d.state} delivery-state`}>{d.label}</td>
              <td>{d.counts.played ? `${d.counts.played} lượt (${d.counts.timesSpoken} lần đọc)` : '0'}</td>
              <td>{d.counts.failed}</td>
              <td>{d.counts.missed}</td>
              <td>{d.speakers.map((s) => s.label).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Lịch sử thao tác</h3>
      <ul id="detail-audit">
        {audit.map((e) => (
          <li key={e.id}>{`${fmtTime(e.at)} – ${e.userLabel}: ${e.actionLabel}`}</li>
        ))}
      </ul>
    </>
  );
}
