import type { Announcement, Schedule } from './api/announcement.ts';

export {
  STATUSES,
  type Announcement,
  type AnnouncementSource,
  type AudioMeta,
  type Schedule,
  type Status,
} from './api/announcement.ts';

/**
 * staff prepares for its unit; leader approves/rejects/stops; inspector only reads; admin manages users.
 * Staff and leaders work at a level (commune, province, or district where the registry has districts):
 * see levels.ts. The old read-only "district" role became "inspector" (store migration 2).
 */
export const ROLES = ['staff', 'leader', 'inspector', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** generic labels (without the level); levels.ts roleLabel gives the one shown to people */
export const ROLE_LABELS: Record<Role, string> = {
  staff: 'Cán bộ',
  leader: 'Lãnh đạo',
  inspector: 'Thanh tra, giám sát (chỉ xem)',
  admin: 'Quản trị',
};

export type User = {
  id: number;
  username: string;
  role: Role;
  /** the level staff and leaders work at; null for admin, and for an inspector given a list of communes */
  level?: 'commune' | 'district' | 'province' | null;
  /** the code of the unit at that level (commune, district or province code) */
  unit?: string | null;
  /** commune level: the one commune; inspector without a unit: the communes read; otherwise empty */
  communes: string[];
  displayName: string | null;
};

export const STATUS_LABELS: Record<Announcement['status'], string> = {
  draft: 'Nháp',
  submitted: 'Chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Bị từ chối',
  stopped: 'Đã dừng',
};

/** Circular 39/2020's names of the three priorities */
export const PRIORITY_LABELS: Record<Announcement['priority'], string> = {
  normal: 'Thông thường',
  priority: 'Ưu tiên',
  emergency: 'Khẩn cấp',
};

/** a request after validation and normalization (validate.ts): the audio by hash until it is resolved */
export type AnnouncementDraft = Pick<
  Announcement,
  'title' | 'text' | 'hamlets' | 'repeats' | 'volume' | 'priority' | 'source'
> & {
  schedule: Schedule;
  audio: string | null;
};

/** per hamlet: chờ phát / đã phát / lỗi / bỏ lỡ */
export const DELIVERY_LABELS = {
  pending: 'chờ phát',
  played: 'đã phát',
  failed: 'lỗi',
  missed: 'bỏ lỡ',
  unreachable: 'không có loa',
} as const;
export type DeliveryState = keyof typeof DELIVERY_LABELS;

/** the issuing unit of an announcement */
/** the level a user works at: staff and leaders without one (older records) are commune level */
export function levelOf(user: Pick<User, 'role' | 'level'>): 'commune' | 'district' | 'province' | null {
  return user.level ?? (user.role === 'staff' || user.role === 'leader' ? 'commune' : null);
}

export function issuerOf(a: Pick<Announcement, 'commune' | 'level'>): {
  level: 'commune' | 'district' | 'province';
  code: string;
} {
  return { level: a.level ?? 'commune', code: a.commune };
}

/** the communes an announcement is for, resolved against the communes its issuer covers */
export function targetCommunes(
  a: Pick<Announcement, 'commune' | 'level' | 'targets'>,
  issuerCommunes: string[],
): string[] {
  if ((a.level ?? 'commune') === 'commune') return [a.commune];
  const t = a.targets ?? 'all';
  return t === 'all' ? issuerCommunes : issuerCommunes.filter((c) => t.includes(c));
}
