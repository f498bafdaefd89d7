import type { z } from 'zod';
import type { ScheduleRefusal } from '../devices/contract/broadcast.ts';

/** why a speaker refused a schedule, as people read it (the contract's refusal codes) */
export const REFUSAL_LABELS: Record<z.infer<typeof ScheduleRefusal>, string> = {
  unsigned: 'lịch không có chữ ký',
  'bad-signature': 'chữ ký không hợp lệ',
  stale: 'lịch cũ hơn lịch loa đang dùng',
  'wrong-target': 'lịch gửi nhầm loa',
  invalid: 'lịch sai định dạng',
  'wrong-issuer': 'lịch không đúng cấp ban hành',
};

export function refusalLabel(reason: string | null | undefined): string {
  return (reason && REFUSAL_LABELS[reason as keyof typeof REFUSAL_LABELS]) || 'lý do khác';
}

/** a speaker's last verdict on its schedule: đã nhận / từ chối (lý do) / chưa phản hồi */
export function verdictLabel(status: string | null | undefined, reason: string | null | undefined): string {
  if (status === 'accepted') return 'đã nhận';
  if (status === 'refused') return `từ chối (${refusalLabel(reason)})`;
  return 'chưa phản hồi';
}
