/**
 * Deployment rules of the review appendix ("số lượng cấp xã triển khai đầy đủ / chưa đầy đủ (nêu tên) /
 * chưa triển khai (nêu tên)", Kế hoạch sơ kết 01 năm "Chính quyền thân thiện", phụ lục số liệu).
 *
 * "Working" (hoạt động): over the reported period (ending now at the latest), a device was online at least
 * WORKING_UPTIME of the time (loudspeakers, rating boxes: presence transitions, time-weighted), or a
 * camera answered at least WORKING_UPTIME of its probes.
 *
 * Per measure and commune:
 *  - loa thông minh: units = hamlets; a hamlet is covered when it has a working loudspeaker;
 *  - thiết bị đánh giá: units = one-stop counters; covered when it has a working rating box;
 *  - camera: units = one-stop counters; covered when it has a working camera;
 *  đầy đủ = every unit covered (and at least one unit); chưa đầy đủ = some; chưa triển khai = none.
 * Overall: đầy đủ when all three measures are đầy đủ; chưa triển khai when none is deployed at all;
 * otherwise chưa đầy đủ.
 */
export const WORKING_UPTIME = 0.8;

export type Deployment = 'day-du' | 'chua-day-du' | 'chua-trien-khai';

export const DEPLOYMENT_LABEL: Record<Deployment, string> = {
  'day-du': 'Đầy đủ',
  'chua-day-du': 'Chưa đầy đủ',
  'chua-trien-khai': 'Chưa triển khai',
};

export function isWorking(uptime: number | undefined): boolean {
  return uptime !== undefined && uptime >= WORKING_UPTIME;
}

export function classify(units: number, covered: number): Deployment {
  if (units > 0 && covered >= units) return 'day-du';
  return covered > 0 ? 'chua-day-du' : 'chua-trien-khai';
}

export function overall(measures: readonly Deployment[]): Deployment {
  if (measures.every((m) => m === 'day-du')) return 'day-du';
  if (measures.every((m) => m === 'chua-trien-khai')) return 'chua-trien-khai';
  return 'chua-day-du';
}
