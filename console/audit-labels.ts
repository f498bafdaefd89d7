import type { AuditEntry } from './store/audit.ts';
import type { Store } from './store/index.ts';

import type { AuditEntry as LabelledAuditEntry } from './api/console.ts';

/** the actions of the audit trail as people name them */
export const ACTION_LABELS: Record<string, string> = {
  create: 'Tạo',
  update: 'Sửa',
  submit: 'Gửi duyệt',
  approve: 'Duyệt',
  reject: 'Từ chối',
  stop: 'Dừng',
  emergency: 'Phát khẩn cấp',
  login: 'Đăng nhập',
  logout: 'Đăng xuất',
  'audio.upload': 'Tải tệp âm thanh',
  'audio.record': 'Lưu bản ghi âm',
  'live.request': 'Xin phát trực tiếp',
  'live.approve': 'Duyệt phát trực tiếp',
  'user.create': 'Tạo người dùng',
  'user.disable': 'Khóa người dùng',
  'user.enable': 'Mở khóa người dùng',
  revise: 'Sửa (bản mới chờ duyệt)',
  supersede: 'Thay bằng bản sửa',
  'deployment.update': 'Cập nhật thông tin triển khai',
  'device.register': 'Đăng ký thiết bị',
  'device.claim': 'Thiết bị kích hoạt bằng mã',
  'dossiers.import': 'Nhập danh sách hồ sơ',
  'live.start': 'Bắt đầu phát trực tiếp',
  'live.end': 'Kết thúc phát trực tiếp',
  'live.quiet-hours': 'Dừng phát trực tiếp vì đến giờ yên tĩnh',
  'live.feed-lost': 'Mất kết nối máy chủ phát trực tiếp',
  'live.feed-restored': 'Nối lại máy chủ phát trực tiếp',
  'officer.set': 'Cập nhật cán bộ',
  'policy.set': 'Đặt giờ yên tĩnh và âm lượng',
  'station.approve': 'Duyệt đài tiếp sóng',
  'station.revoke': 'Thu hồi đài tiếp sóng',
  'station-revoked': 'Dừng tiếp sóng vì đài bị thu hồi',
  'stop.now': 'Dừng phát ngay',
  'stop.resume': 'Cho phát lại',
};

/** What people expect to read in the audit: titles and names, not ids and hashes (the ids stay for links). */
export function labelAudit(entries: AuditEntry[], store: Store): LabelledAuditEntry[] {
  const names = new Map<string, string>();
  const nameOf = (username: string) => {
    if (!names.has(username)) {
      const u = store.users.byUsername(username);
      names.set(username, u?.displayName ? `${u.displayName} (${username})` : username);
    }
    return names.get(username)!;
  };
  return entries.map((e) => {
    let targetLabel: string | null = e.target;
    let targetKind: LabelledAuditEntry['targetKind'] = null;
    const after = e.after as Record<string, unknown> | null;
    if (e.action === 'audio.upload') {
      targetKind = 'audio';
      targetLabel = typeof after?.filename === 'string' ? `tệp ${after.filename}` : 'tệp âm thanh';
    } else if (e.action.startsWith('user.') || e.action === 'login' || e.action === 'logout') {
      targetKind = 'user';
      targetLabel = e.target ? nameOf(e.target) : null;
    } else if (e.target) {
      const a = store.announcements.get(e.target);
      if (a) {
        targetKind = 'announcement';
        targetLabel = `«${a.title}»`;
      }
    }
    return {
      ...e,
      userLabel: nameOf(e.username),
      actionLabel: ACTION_LABELS[e.action] ?? 'Thao tác khác',
      targetLabel,
      targetKind,
    };
  });
}
