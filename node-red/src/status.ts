import type { NodeStatus } from './red.ts';

/** What a shared broker connection is doing; every node using it shows the same state. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

/** People read node status in the editor: Vietnamese text; the fill/shape carry the state for tests and colour-blind users alike. */
export function connectionStatus(state: ConnectionState, detail?: string): NodeStatus {
  switch (state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: detail ? `đã kết nối · ${detail}` : 'đã kết nối' };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: 'đang kết nối' };
    case 'refused':
      return {
        fill: 'red',
        shape: 'dot',
        text: `máy chủ MQTT từ chối: ${detail ?? 'sai tài khoản hoặc không có quyền'}`,
      };
    case 'closed':
      return { fill: 'grey', shape: 'ring', text: 'đã dừng' };
    default:
      return { fill: 'red', shape: 'ring', text: detail ? `mất kết nối: ${detail}` : 'mất kết nối' };
  }
}

/** Counters shown after the connection state, e.g. "12 đánh giá · 1 lỗi". */
export function countsText(counts: Record<string, number>, labels: Record<string, string>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${labels[k] ?? k}`)
    .join(' · ');
}
