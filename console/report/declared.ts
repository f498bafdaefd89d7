/**
 * Deployment items the devices cannot measure, as the commune's staff record them in the console (audited there):
 * whether the one-stop has a rating device and a camera, whether the commune has a smart-radio system. The
 * appendix shows them beside what the devices measured, so a gap between the two is visible.
 */
export const DEPLOYMENT_ITEMS = {
  'rating-device': 'Bộ phận một cửa có thiết bị điện tử đánh giá mức độ hài lòng',
  camera: 'Bộ phận một cửa có camera giám sát',
  'smart-radio': 'Xã có hệ thống truyền thanh thông minh',
} as const;
export type DeploymentItem = keyof typeof DEPLOYMENT_ITEMS;
export const DEPLOYMENT_ITEM_KEYS = Object.keys(DEPLOYMENT_ITEMS) as DeploymentItem[];

/** commune code → item → declared present (absent: not recorded) */
export type DeclaredItems = ReadonlyMap<string, Partial<Record<DeploymentItem, boolean>>>;

export const declaredText = (v: boolean | undefined) => (v === undefined ? 'Chưa khai báo' : v ? 'Có' : 'Không');
