import type { PendingDevice } from './api/provisioning.ts';

/** The words people read for a device's kind and a registration's state (the devices and fleet views). */
export const DEVICE_KIND_LABELS: Record<string, string> = {
  'rating-box': 'Hộp đánh giá',
  speaker: 'Loa',
  camera: 'Camera',
};
export const deviceKindLabel = (kind: string): string => DEVICE_KIND_LABELS[kind] ?? 'Thiết bị';

export const CLAIM_STATE_LABELS: Record<PendingDevice['state'], string> = {
  pending: 'chờ kích hoạt',
  claimed: 'đã kích hoạt',
  revoked: 'đã hủy mã',
};
