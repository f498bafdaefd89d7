import type { AudioRef, Priority } from '../devices/contract/broadcast.ts';
import type { SignedStation } from '../devices/contract/stream.ts';

/** staff prepares for its commune; leader approves/rejects/stops; district reads its communes; admin manages users. */
export const ROLES = ['staff', 'leader', 'district', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  staff: 'Cán bộ xã',
  leader: 'Lãnh đạo xã',
  district: 'Cán bộ huyện',
  admin: 'Quản trị',
};

export type User = {
  id: number;
  username: string;
  role: Role;
  /** one commune for staff and leader; the communes a district officer reads; empty for admin (all) */
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
  commune: string;
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

export type DeliveryOutcome = 'played' | 'failed' | 'skipped' | 'missed';

/** per hamlet: chờ phát / đã phát / lỗi / bỏ lỡ */
export const DELIVERY_LABELS = { pending: 'chờ phát', played: 'đã phát', failed: 'lỗi', missed: 'bỏ lỡ', unreachable: 'không có loa' } as const;
export type DeliveryState = keyof typeof DELIVERY_LABELS;
