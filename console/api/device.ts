import { z } from 'zod';
import { AlertKind, AlertState } from '../../devices/contract/alert.ts';
import type { AlertRow } from '../../devices/analytics/alerts.ts';

/** Device health and alerts of the communes the user may read, with every word a person reads. */

export const DeviceKind = z.enum(['rating-box', 'speaker', 'camera']);
export const DeviceView = z.object({
  id: z.string(),
  kind: DeviceKind,
  /** Hộp đánh giá / Loa / Camera */
  kindLabel: z.string(),
  commune: z.string(),
  communeName: z.string(),
  /** hamlet (speakers) or counter (boxes, cameras) name, from the registry */
  place: z.string(),
  online: z.boolean().nullable(),
  /** đang hoạt động / mất kết nối / chưa rõ */
  stateLabel: z.string(),
  /** a word of explanation where the figures seem to disagree (online now, but seldom this week) */
  note: z.string().nullable(),
  lastSeen: z.string().nullable(),
  /** 0..1 */
  uptimeToday: z.number(),
  uptime7d: z.number(),
});
export type DeviceView = z.infer<typeof DeviceView>;
export const DeviceList = z.object({ items: z.array(DeviceView) });
export type DeviceList = z.infer<typeof DeviceList>;

/** an alert as the collector stored it (devices/analytics/alerts.ts), named for people */
export const AlertView = z.object({
  time: z.string(),
  device: z.string(),
  commune: z.string(),
  kind: AlertKind,
  state: AlertState,
  subject: z.string().optional(),
  id: z.string(),
  incident: z.string(),
  since: z.string().optional(),
  message: z.string(),
  kindLabel: z.string(),
  /** Đang báo (still open) / Đã khôi phục */
  stateLabel: z.string(),
  open: z.boolean(),
  place: z.string().nullable(),
  deviceKind: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;
/** open alerts oldest first; the recent history newest first (an open one may be in both) */
export const AlertsAnswer = z.object({ open: z.array(AlertView), recent: z.array(AlertView) });
export type AlertsAnswer = z.infer<typeof AlertsAnswer>;

// the alert rows are the analytics' own: the schema must stay their shape
type Row = Omit<AlertView, 'kindLabel' | 'stateLabel' | 'open' | 'place' | 'deviceKind'>;
type SameAs<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _alertIsTheAnalyticsRow: SameAs<Row, AlertRow> = true;
void _alertIsTheAnalyticsRow;
