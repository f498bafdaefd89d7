import { CodedError, withProblems } from '../infra/coded-error.ts';

/**
 * The broker's catalogue of coded errors. Tests and operators match on `code`, never on the text; the
 * catalogue says, in Vietnamese, what each code means and what the operator does about it. The message of an
 * error is its own detail (which file, which port), followed by every problem found, one a line.
 */
export const BROKER_ERRORS = {
  BROKER_CONFIG_INVALID: 'Cấu hình broker không hợp lệ: sửa các mục được liệt kê trong tệp cấu hình rồi khởi động lại.',
  BROKER_PERSISTENCE_MISSING:
    'Thiếu gói lưu trữ phiên (persistence) mà cấu hình yêu cầu: cài gói đó hoặc dùng persistence "memory".',
  BROKER_TLS_MATERIAL_MISSING:
    'Cấu hình có TLS nhưng không đọc được chứng chỉ hoặc khoá: kiểm tra đường dẫn và quyền đọc tệp.',
  BROKER_LISTEN_FAILED: 'Không mở được cổng lắng nghe: cổng đang bị chiếm hoặc địa chỉ không có trên máy.',
  BROKER_BUSY: 'Quá nhiều thiết bị đang chờ xác thực cùng lúc: kết nối bị từ chối ngay, thiết bị tự thử lại sau.',
} as const satisfies Record<string, string>;

export type BrokerErrorCode = keyof typeof BROKER_ERRORS;

export class BrokerError extends CodedError<BrokerErrorCode> {
  constructor(code: BrokerErrorCode, detail?: string, problems: string[] = []) {
    super(code, withProblems(detail ?? BROKER_ERRORS[code], problems), problems);
    this.name = 'BrokerError';
  }

  /** what the code means and what to do, for the operator */
  get meaning(): string {
    return BROKER_ERRORS[this.code];
  }
}
