import type { AudioRef, Priority } from '../devices/contract/broadcast.ts';
import type { SignedStation } from '../devices/contract/stream.ts';

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

/** Recurrence as the people who schedule think of it: Vietnam time, dates and clock times. */
export type Schedule =
  | { kind: 'once'; at: string }
  | { kind: 'daily'; time: string; from: string; to: string }
  | { kind: 'weekly'; weekdays: number[]; time: string; from: string; to: string }
  /** an emergency: one occurrence at the instant of approval (UTC) */
  | { kind: 'immediate'; at: string };

export const STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'stopped'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<Status, string> = {
  draft: 'Nháp',
  submitted: 'Chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Bị từ chối',
  stopped: 'Đã dừng',
};

/** What an announcement plays besides its audio (absent: only the audio file). */
export type AnnouncementSource =
  | {
      kind: 'relay';
      station: string;
      stationName: string;
      /** the province-signed station entry, copied into every signed schedule */
      signed: SignedStation;
      durationS: number;
    }
  /** a live broadcast from the console (console/live/): the session's mount */
  | { kind: 'live'; url: string; durationS: number; by: string };

export type AudioMeta = Pick<AudioRef, 'sha256' | 'bytes' | 'durationS' | 'mime'>;

/** What staff send: validated and normalized by validate.ts. */
export type AnnouncementDraft = {
  title: string;
  text: string | null;
  audio: string | null;
  hamlets: 'all' | string[];
  schedule: Schedule;
  repeats: number;
  volume: number;
  priority: Priority;
  /** a relay (console/relay/); absent for a plain audio announcement */
  source?: AnnouncementSource;
};

export type Announcement = Omit<AnnouncementDraft, 'audio'> & {
  id: string;
  /** the issuing unit's code: the commune, or the province / district for announcements from above */
  commune: string;
  /** the issuing unit's level (absent: commune) */
  level?: 'commune' | 'district' | 'province';
  /** the communes it is for (absent: the issuing commune itself) */
  targets?: 'all' | string[];
  audio: AudioMeta;
  status: Status;
  rejectReason: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  revision: number;
  /** a proposed change of an approved announcement: the id it replaces once a leader approves it */
  revisionOf?: string | null;
};

/** per hamlet: chờ phát / đã phát / lỗi / bỏ lỡ */
export const DELIVERY_LABELS = { pending: 'chờ phát', played: 'đã phát', failed: 'lỗi', missed: 'bỏ lỡ', unreachable: 'không có loa' } as const;
export type DeliveryState = keyof typeof DELIVERY_LABELS;

/** the issuing unit of an announcement */
/** the level a user works at: staff and leaders without one (older records) are commune level */
export function levelOf(user: Pick<User, 'role' | 'level'>): 'commune' | 'district' | 'province' | null {
  return user.level ?? (user.role === 'staff' || user.role === 'leader' ? 'commune' : null);
}

export function issuerOf(a: Pick<Announcement, 'commune' | 'level'>): { level: 'commune' | 'district' | 'province'; code: string } {
  return { level: a.level ?? 'commune', code: a.commune };
}

/** the communes an announcement is for, resolved against the communes its issuer covers */
export function targetCommunes(a: Pick<Announcement, 'commune' | 'level' | 'targets'>, issuerCommunes: string[]): string[] {
  if ((a.level ?? 'commune') === 'commune') return [a.commune];
  const t = a.targets ?? 'all';
  return t === 'all' ? issuerCommunes : issuerCommunes.filter((c) => t.includes(c));
}
