import type { DecodeError } from '../devices/contract/index.ts';
import { CodedError } from '../infra/coded-error.ts';

/**
 * The collector's catalogue: the coded errors it throws or logs, and the reasons it refuses messages for.
 * Tests and operators match codes, never text; people read the Vietnamese message.
 */
export const ERRORS = {
  COLLECTOR_CONFIG_INVALID: 'Cấu hình bộ thu thập dữ liệu (collector) không hợp lệ.',
  COLLECTOR_CONFIG_UNREADABLE: 'Không mở được tệp cấu hình bộ thu thập dữ liệu.',
  COLLECTOR_PASSWORD_FILE: 'Không đọc được tệp mật khẩu hoặc chứng chỉ của broker.',
  PRESENCE_CONFIG_INVALID: 'Cấu hình trạng thái thiết bị không hợp lệ.',
  /** a publish (ack, alert) while the collector is not connected or already closed */
  COLLECTOR_CLOSED: 'Bộ thu thập dữ liệu chưa kết nối hoặc đã dừng.',
  /** a point an extension built does not fit the stored schema (counted as the rejection point-invalid) */
  POINT_INVALID: 'Điểm dữ liệu không khớp lược đồ lưu trữ.',
  /** a direct write (seeding, fixtures) that the store did not take */
  STORAGE_WRITE_FAILED: 'InfluxDB không nhận dữ liệu ghi.',
  // logged, never thrown: each also moves a counter in stats() or an extension's counters
  STORAGE_BATCH_REFUSED: 'InfluxDB từ chối một lô dữ liệu (ghi một phần).',
  STORAGE_UNREACHABLE: 'Không kết nối được InfluxDB; dữ liệu được ghi tạm ra đĩa.',
  SPOOL_FULL: 'Bộ đệm đĩa đã đầy: lô dữ liệu không được lưu và không được xác nhận; thiết bị giữ lại bản tin.',
  SPOOL_WRITE_FAILED: 'Ghi bộ đệm đĩa thất bại: lô dữ liệu không được lưu và không được xác nhận.',
  ACK_PUBLISH_FAILED: 'Không gửi được xác nhận cho thiết bị; thiết bị sẽ gửi lại.',
  ALERT_PUBLISH_FAILED: 'Không phát được cảnh báo qua MQTT.',
  ALERT_WRITE_FAILED: 'Không lưu được cảnh báo.',
  EXTENSION_FAILED: 'Một phần mở rộng của bộ thu thập dữ liệu gặp lỗi.',
  PRESENCE_RESTORE_FAILED: 'Chưa khôi phục được trạng thái thiết bị từ InfluxDB; sẽ thử lại ở lần quét sau.',
  PRESENCE_SWEEP_FAILED: 'Lần quét trạng thái thiết bị thất bại.',
  DOSSIER_LEDGER_UNLOADED: 'Chưa đọc được danh sách hồ sơ đã đánh giá; hộp đánh giá vẫn tự chặn trùng; sẽ thử lại.',
} as const satisfies Record<string, string>;

export type CollectorErrorCode = keyof typeof ERRORS;

export class CollectorError extends CodedError<CollectorErrorCode> {
  /** message: the whole message, the catalogue's by default; problems: every problem found, one line each */
  constructor(code: CollectorErrorCode, message: string = ERRORS[code], problems: string[] = []) {
    super(code, message, problems);
    this.name = 'CollectorError';
  }
}

/**
 * Why a message was refused: the `reason` tag of the `rejection` measurement and the key of
 * `stats().rejected`. Dashboards and tests count them, so a reason is never renamed.
 *
 * `acknowledged`: a refused message with a readable id is acknowledged once its rejection point is durable
 * when it can never become valid (resending it would fill the device's outbox and push out real presses).
 * Not acknowledged: unknown devices (registry lag: the resend is stored once the device is registered) and
 * the collector's own failures (the device keeps the message until a fixed collector stores it).
 */
export type Refusal = { acknowledged: boolean; label: string };

/** The contract's decode errors (devices/contract): a new one fails to compile here until it is catalogued. */
const DECODE_REFUSALS: Record<DecodeError, Refusal> = {
  'topic-foreign': { acknowledged: false, label: 'Chủ đề MQTT không thuộc hệ thống' },
  'topic-version': { acknowledged: false, label: 'Phiên bản chủ đề MQTT không được hỗ trợ' },
  'topic-shape': { acknowledged: false, label: 'Chủ đề MQTT sai cấu trúc' },
  'topic-device-id': { acknowledged: false, label: 'Mã thiết bị trong chủ đề không hợp lệ' },
  'topic-channel': { acknowledged: false, label: 'Kênh trong chủ đề không tồn tại' },
  'payload-too-large': { acknowledged: false, label: 'Bản tin quá lớn' },
  'payload-not-json': { acknowledged: false, label: 'Bản tin không phải JSON' },
  'payload-invalid': { acknowledged: true, label: 'Nội dung bản tin sai định dạng' },
};

export const REFUSALS = {
  ...DECODE_REFUSALS,
  'unknown-device': { acknowledged: false, label: 'Thiết bị chưa có trong sổ đăng ký' },
  'channel-not-allowed': { acknowledged: true, label: 'Loại thiết bị này không được gửi trên kênh này' },
  'no-extension': { acknowledged: false, label: 'Bộ thu thập dữ liệu chưa xử lý kênh này' },
  'extension-error': { acknowledged: false, label: 'Bộ thu thập dữ liệu gặp lỗi khi xử lý bản tin' },
  'point-invalid': { acknowledged: false, label: 'Điểm dữ liệu không khớp lược đồ lưu trữ' },
  'broker-refusals-invalid': { acknowledged: false, label: 'Số liệu từ chối của broker sai định dạng' },
  /** counted only (no rejection point): more messages arrived while extensions started than are held */
  'not-started': { acknowledged: false, label: 'Bộ thu thập dữ liệu đang khởi động, bản tin chưa được nhận' },
  'wrong-channel': { acknowledged: true, label: 'Bản tin đến sai phần xử lý' },
  'rating-time-implausible': { acknowledged: true, label: 'Thời điểm đánh giá không hợp lý (đồng hồ thiết bị sai)' },
  'rating-level-not-on-device': { acknowledged: true, label: 'Mức đánh giá không có trên hộp này' },
  'rating-dossier-duplicate': { acknowledged: true, label: 'Hồ sơ này đã được đánh giá' },
  'camera-unknown': { acknowledged: true, label: 'Camera không được đăng ký tại quầy của hộp này' },
} as const satisfies Record<string, Refusal>;

export type RefusalReason = keyof typeof REFUSALS;
