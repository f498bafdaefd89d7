import { CodedError } from '../infra/coded-error.ts';

/**
 * The bridge's catalogue of coded errors. Tests and callers check `code`, never the text; the catalogue says,
 * in Vietnamese, what each code means for the technician at the Pi. The message of an error is its own detail
 * (which file, which pin), followed by every problem found.
 */
export const BRIDGE_ERRORS = {
  BRIDGE_CONFIG_INVALID: 'Cấu hình bridge không hợp lệ: sửa các mục được liệt kê rồi khởi động lại dịch vụ.',
  BRIDGE_CONFIG_UNREADABLE:
    'Không đọc được tệp cấu hình hoặc tệp bí mật mà cấu hình trỏ tới: kiểm tra đường dẫn và quyền đọc.',
  BRIDGE_IO_TIMEOUT: 'Bo mạch vào/ra không sẵn sàng kịp: kiểm tra dây cắm và cổng của bo.',
  BRIDGE_IO_ERROR: 'Bo mạch vào/ra báo lỗi.',
  BRIDGE_IO_PLUGIN_MISSING: 'Thiếu gói điều khiển chân GPIO cho loại bo đã chọn (io.kind).',
  BRIDGE_OUTBOX_FULL: 'Hộp thư đi đã đầy: thiết bị mất kết nối quá lâu; đánh giá mới bị từ chối cho đến khi gửi được.',
  BRIDGE_OUTBOX_CLOSED: 'Hộp thư đi đã đóng (bridge đang dừng).',
  BRIDGE_OUTBOX_INVALID: 'Tin nhắn không đúng hợp đồng dữ liệu nên không được đưa vào hộp thư đi.',
  BRIDGE_PUBLISH_TIMEOUT: 'Broker không xác nhận tin nhắn kịp thời.',
  BRIDGE_NOT_CONNECTED: 'Chưa kết nối được tới broker.',
} as const satisfies Record<string, string>;

export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;

/** every code, for checks that a code is one of the catalogue's */
export const BRIDGE_ERROR_CODES = Object.keys(BRIDGE_ERRORS) as BridgeErrorCode[];

export class BridgeError extends CodedError<BridgeErrorCode> {
  constructor(code: BridgeErrorCode, detail?: string, problems: string[] = []) {
    super(code, detail ?? BRIDGE_ERRORS[code], problems);
    this.name = 'BridgeError';
  }

  /** what the code means, for the technician */
  get meaning(): string {
    return BRIDGE_ERRORS[this.code];
  }
}
