import { isLeaderOf, requireOwnUnit } from './access.ts';
import type { Action, Announcement, AnnouncementView, Schedule, Status } from './api/announcement.ts';
import { dateText, vnDateTime, vnInstant } from './api/calendar.ts';
import type { Area } from './area.ts';
import { issuerOf, PRIORITY_LABELS, STATUS_LABELS, type User } from './model.ts';
import { EDITABLE, TRANSITIONS } from './announcement-rules.ts';

/** what the view needs to know beyond the announcement: who asks, and what happened to it */
export type ViewContext = {
  area: Area;
  /** the accounts that wrote or changed it (a leader among them may not approve it) */
  authors(id: string): string[];
  /** has any speaker played it (stopping then cuts it; before, it is a cancellation) */
  played(id: string): boolean;
};

const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];

export function scheduleLabel(s: Schedule): string {
  if (s.kind === 'once') return `Một lần lúc ${vnDateTime(s.at)}`;
  if (s.kind === 'immediate') return `Phát ngay (${vnInstant(s.at)})`;
  const span = `từ ${dateText(s.from)} đến ${dateText(s.to)}`;
  if (s.kind === 'daily') return `Hằng ngày ${s.time}, ${span}`;
  return `Hằng tuần (${s.weekdays.map((d) => WEEKDAYS[d - 1]).join(', ')}) ${s.time}, ${span}`;
}

const AUDIO_KIND: Record<Announcement['audio']['mime'], string> = { 'audio/mpeg': 'MP3', 'audio/wav': 'WAV' };

export function contentLabel(a: Announcement): string {
  if (a.source?.kind === 'relay')
    return `Tiếp sóng ${a.source.stationName} (${Math.round(a.source.durationS / 60)} phút)`;
  if (a.source?.kind === 'live') return 'Phát trực tiếp từ bảng điều khiển';
  if (a.text) return a.text;
  return `Tệp âm thanh (${AUDIO_KIND[a.audio.mime]}, ${Math.round(a.audio.durationS)} giây)`;
}

function ownUnitOf(user: User, area: Area, a: Announcement): boolean {
  try {
    requireOwnUnit(user, area, issuerOf(a));
    return true;
  } catch {
    return false;
  }
}

/**
 * What this user may do with the announcement: the same rules the service enforces (its transition table,
 * the two-person rule, who changes an emergency), so the browser shows only buttons that will work.
 */
export function actionsFor(user: User, a: Announcement, ctx: ViewContext): Action[] {
  if (!ownUnitOf(user, ctx.area, a)) return [];
  const out: Action[] = [];
  const immediate = a.schedule.kind === 'immediate';
  const leader = isLeaderOf(user, ctx.area, issuerOf(a));
  if (EDITABLE.includes(a.status) && !immediate) out.push({ action: 'edit', label: 'Sửa', danger: false });
  if ((TRANSITIONS.submit as readonly Status[]).includes(a.status))
    out.push({ action: 'submit', label: 'Gửi duyệt', danger: false });
  if (
    leader &&
    (TRANSITIONS.approve as readonly Status[]).includes(a.status) &&
    !ctx.authors(a.id).includes(user.username)
  ) {
    out.push({ action: 'approve', label: 'Duyệt', danger: false });
    out.push({ action: 'reject', label: 'Từ chối', asksReason: 'Lý do từ chối:', danger: false });
  }
  if (leader && a.status === 'approved' && immediate)
    out.push({ action: 'replace-emergency', label: 'Thay nội dung khẩn cấp', danger: false });
  // only what is on the air can be stopped; before anything played it is a cancellation
  if (leader && a.status === 'approved') {
    const label = ctx.played(a.id) ? 'Dừng phát' : 'Hủy lịch phát';
    out.push({
      action: 'stop',
      label,
      confirm: `${label} «${a.title}»? Các loa sẽ không phát thông báo này nữa.`,
      danger: true,
    });
  }
  return out;
}

export function announcementView(user: User, a: Announcement, ctx: ViewContext): AnnouncementView {
  return {
    ...a,
    statusLabel: STATUS_LABELS[a.status],
    priorityLabel: PRIORITY_LABELS[a.priority],
    scheduleLabel: scheduleLabel(a.schedule),
    contentLabel: contentLabel(a),
    actions: actionsFor(user, a, ctx),
  };
}
