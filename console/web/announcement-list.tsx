import { useEffect, useState } from 'preact/hooks';
import type { AnnouncementList, AnnouncementView } from '../api/announcement.ts';
import { api, guard } from './api.ts';
import { fmtTime } from './dates.ts';
import { Button } from './ui.tsx';

export const PAGE_SIZE = 20;

/** The announcement list: a filter by status and words, pages of PAGE_SIZE rows; a click opens one. */
export function AnnouncementListView(props: { onOpen(id: string): void }) {
  const [list, setList] = useState<AnnouncementView[] | null>(null);
  const [status, setStatus] = useState('');
  const [words, setWords] = useState('');
  const [page, setPage] = useState(0);
  useEffect(
    guard(async () => setList((await api<AnnouncementList>('GET', '/api/announcements')).items)),
    [],
  );

  const all = list ?? [];
  const statusLabels = new Map(all.map((a) => [a.status, a.statusLabel]));
  const needle = words.trim().toLocaleLowerCase('vi');
  const shown = all.filter(
    (a) => (!status || a.status === status) && (!needle || a.title.toLocaleLowerCase('vi').includes(needle)),
  );
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const at = Math.min(page, pages - 1);
  const rows = shown.slice(at * PAGE_SIZE, (at + 1) * PAGE_SIZE);
  const empty =
    list && !all.length
      ? 'Chưa có thông báo nào. Chọn “Tạo thông báo” để soạn thông báo đầu tiên.'
      : list && !shown.length
        ? 'Không có thông báo nào khớp với bộ lọc.'
        : '';

  return (
    <>
      <div id="list-controls">
        <label>
          Trạng thái{' '}
          <select name="status-filter" value={status} onChange={(e) => (setStatus(e.currentTarget.value), setPage(0))}>
            <option value="">Mọi trạng thái</option>
            {[...statusLabels].map(([v, t]) => (
              <option key={v} value={v}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tiêu đề{' '}
          <input
            type="search"
            name="title-filter"
            placeholder="Tìm theo tiêu đề"
            value={words}
            onInput={(e) => (setWords(e.currentTarget.value), setPage(0))}
          />
        </label>
        <Button disabled={at === 0} onClick={() => setPage(at - 1)}>
          ‹ Trang trước
        </Button>
        <span class="page-info">{`Trang ${at + 1}/${pages} · ${shown.length} thông báo`}</span>
        <Button disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
          Trang sau ›
        </Button>
      </div>
      <table id="list-table">
        <thead>
          <tr>
            <th>Tiêu đề</th>
            <th>Mức ưu tiên</th>
            <th>Lịch</th>
            <th>Trạng thái</th>
            <th>Cập nhật</th>
          </tr>
        </thead>
        <tbody>
          {empty ? (
            <tr>
              <td colSpan={5}>{empty}</td>
            </tr>
          ) : (
            rows.map((a) => (
              <tr key={a.id} class="clickable" data-id={a.id} onClick={() => props.onOpen(a.id)}>
                <td>{a.title + (a.revisionOf ? ' (bản sửa)' : '')}</td>
                <td>{a.priorityLabel}</td>
                <td>{a.scheduleLabel}</td>
                <td class={`status status-${a.status}`}>{a.statusLabel}</td>
                <td>{fmtTime(a.updatedAt)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </>
  );
}
