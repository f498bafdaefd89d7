/**
 * The console's catalogue of coded errors. Tests assert codes; people read the Vietnamese message.
 * Every refusal the API returns is one of these, as HTTP 4xx {error:{code, message}}.
 */
export const ERRORS = {
  UNAUTHENTICATED: {
    status: 401,
    message: 'Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
  },
  BAD_CREDENTIALS: { status: 401, message: 'Tên đăng nhập hoặc mật khẩu không đúng.' },
  LOGIN_LOCKED: { status: 429, message: 'Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.' },
  FORBIDDEN_ROLE: { status: 403, message: 'Vai trò của bạn không được phép thực hiện thao tác này.' },
  FORBIDDEN_COMMUNE: { status: 403, message: 'Bạn không có quyền với thông báo hoặc dữ liệu của xã khác.' },
  NOT_FOUND: { status: 404, message: 'Không tìm thấy thông báo.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'Không có chức năng này.' },
  USER_NOT_FOUND: { status: 404, message: 'Không tìm thấy người dùng.' },
  USER_EXISTS: { status: 409, message: 'Tên đăng nhập đã tồn tại.' },
  USER_LOCKED_EXISTS: {
    status: 409,
    message:
      'Tên đăng nhập này thuộc một tài khoản đã bị khóa. Hãy mở khóa tài khoản đó trong danh sách người dùng thay vì tạo lại.',
  },
  USER_NOT_LOCKED: { status: 409, message: 'Tài khoản này đang hoạt động, không cần mở khóa.' },
  LAST_ADMIN: {
    status: 409,
    message: 'Không thể khóa quản trị viên cuối cùng còn hoạt động; hãy tạo hoặc mở khóa một quản trị viên khác trước.',
  },
  INVALID_INPUT: { status: 400, message: 'Dữ liệu gửi lên không hợp lệ.' },
  TITLE_EMPTY: { status: 400, message: 'Tiêu đề thông báo không được để trống.' },
  CONTENT_MISSING: {
    status: 400,
    message: 'Cần nhập nội dung để đọc hoặc tải lên một tệp âm thanh (chỉ một trong hai).',
  },
  TEXT_EMPTY: { status: 400, message: 'Nội dung văn bản để đọc không được để trống.' },
  TEXT_TOO_LONG: { status: 400, message: 'Nội dung văn bản quá dài.' },
  AUDIO_UNKNOWN: { status: 400, message: 'Không tìm thấy tệp âm thanh đã tải lên; hãy tải lại tệp.' },
  AUDIO_TOO_LARGE: { status: 413, message: 'Tệp âm thanh quá lớn.' },
  AUDIO_TOO_LONG: { status: 400, message: 'Tệp âm thanh quá dài.' },
  AUDIO_NOT_AUDIO: { status: 415, message: 'Tệp tải lên không phải tệp âm thanh MP3 hoặc WAV hợp lệ.' },
  AUDIO_EMPTY: { status: 400, message: 'Tệp âm thanh rỗng hoặc không có âm thanh.' },
  AUDIO_NORMALIZE_FAILED: { status: 422, message: 'Không xử lý được âm lượng của tệp âm thanh; hãy thử tệp khác.' },
  STATION_UNKNOWN: { status: 400, message: 'Không có đài này trong danh sách đài được tỉnh duyệt tiếp sóng.' },
  STATION_REVOKED: { status: 409, message: 'Đài này đã bị tỉnh thu hồi, không được tiếp sóng nữa.' },
  STATION_INVALID: { status: 400, message: 'Thông tin đài tiếp sóng không hợp lệ.' },
  LIVE_QUIET_HOURS: { status: 409, message: 'Đang trong giờ yên tĩnh: chỉ được phát trực tiếp khi khẩn cấp.' },
  LIVE_NOT_READY: { status: 409, message: 'Phiên phát trực tiếp chưa được lãnh đạo duyệt hoặc đã kết thúc.' },
  LIVE_UNAVAILABLE: { status: 503, message: 'Máy chủ phát trực tiếp chưa được cấu hình.' },
  RELAY_INVALID: { status: 400, message: 'Thông tin tiếp sóng không hợp lệ.' },
  AUDIO_MISSING_FILE: { status: 400, message: 'Chưa chọn tệp âm thanh để tải lên.' },
  SPEECH_TOO_LONG: { status: 400, message: 'Nội dung văn bản đọc ra quá dài cho một lần phát.' },
  SCHEDULE_TIME_MISSING: { status: 400, message: 'Chưa chọn thời gian phát.' },
  HAMLET_NO_SPEAKER: { status: 400, message: 'Thôn/ấp này chưa có loa nào nên không thể nhận thông báo.' },
  TTS_FAILED: {
    status: 502,
    message: 'Không chuyển được văn bản thành giọng nói; vui lòng thử lại hoặc tải tệp âm thanh.',
  },
  HAMLETS_EMPTY: { status: 400, message: 'Cần chọn ít nhất một thôn/ấp nhận thông báo.' },
  HAMLET_UNKNOWN: { status: 400, message: 'Thôn/ấp không tồn tại.' },
  HAMLET_OTHER_COMMUNE: {
    status: 403,
    message: 'Thôn/ấp này thuộc xã khác; bạn chỉ được gửi thông báo cho thôn/ấp của xã mình.',
  },
  SCHEDULE_INVALID: { status: 400, message: 'Lịch phát không hợp lệ.' },
  SCHEDULE_PAST: { status: 400, message: 'Thời điểm phát đã qua; hãy chọn một thời điểm trong tương lai.' },
  SCHEDULE_RANGE: { status: 400, message: 'Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.' },
  SCHEDULE_EMPTY: { status: 400, message: 'Lịch phát không có lần phát nào trong tương lai.' },
  SCHEDULE_TOO_LONG: { status: 400, message: 'Khoảng thời gian phát quá dài.' },
  WEEKDAYS_EMPTY: { status: 400, message: 'Cần chọn ít nhất một ngày trong tuần.' },
  VOLUME_INVALID: { status: 400, message: 'Âm lượng phải là số nguyên từ 0 đến 100.' },
  REPEATS_INVALID: { status: 400, message: 'Số lần lặp phải là số nguyên từ 1 đến 10.' },
  PRIORITY_INVALID: { status: 400, message: 'Mức ưu tiên phải là: thông thường, ưu tiên hoặc khẩn cấp.' },
  QUIET_HOURS: {
    status: 400,
    message:
      'Không được lên lịch phát thông báo thông thường hoặc ưu tiên trong giờ yên tĩnh (mặc định 21:00–05:30); chỉ tin khẩn cấp được phát trong giờ này.',
  },
  POLICY_INVALID: { status: 400, message: 'Quy định giờ yên tĩnh / mức âm lượng không hợp lệ.' },
  TARGETS_INVALID: {
    status: 400,
    message: 'Danh sách xã nhận thông báo không hợp lệ hoặc có xã ngoài địa bàn của bạn.',
  },
  STOP_NOT_FOUND: { status: 404, message: 'Không tìm thấy lệnh dừng phát.' },
  UNTIL_INVALID: {
    status: 400,
    message: 'Thời điểm hết hiệu lực của lệnh dừng phải là một ngày giờ (ngày/tháng/năm giờ:phút) trong tương lai.',
  },
  STATE_CONFLICT: { status: 409, message: 'Thông báo đang ở trạng thái không cho phép thao tác này.' },
  NOT_SUBMITTED: { status: 409, message: 'Thông báo chưa được gửi duyệt; cán bộ soạn cần bấm "Gửi duyệt" trước.' },
  SELF_APPROVAL: {
    status: 403,
    message: 'Bạn không thể tự duyệt thông báo do chính mình soạn hoặc sửa; cần một lãnh đạo khác duyệt.',
  },
  EMERGENCY_LEADER_ONLY: {
    status: 403,
    message: 'Chỉ lãnh đạo xã mới được thay đổi hoặc kết thúc thông báo khẩn cấp.',
  },
  REASON_EMPTY: { status: 400, message: 'Cần ghi lý do từ chối.' },
  USERNAME_INVALID: {
    status: 400,
    message: 'Tên đăng nhập chỉ gồm chữ thường a-z, số, dấu chấm, gạch dưới hoặc gạch ngang (3–64 ký tự).',
  },
  ROLE_INVALID: {
    status: 400,
    message: 'Vai trò không hợp lệ; hãy chọn cán bộ, lãnh đạo, thanh tra giám sát hoặc quản trị.',
  },
  LEVEL_INVALID: {
    status: 400,
    message: 'Cấp không hợp lệ; hãy chọn cấp xã hoặc cấp tỉnh (cấp huyện chỉ khi sổ đăng ký còn cấp huyện).',
  },
  PASSWORD_WEAK: { status: 400, message: 'Mật khẩu phải có ít nhất 8 ký tự.' },
  BODY_TOO_LARGE: { status: 413, message: 'Dữ liệu gửi lên quá lớn.' },
  UPLOAD_INVALID: { status: 400, message: 'Yêu cầu tải tệp không hợp lệ.' },
  INFLUX_UNCONFIGURED: {
    status: 503,
    message:
      'Hệ thống chưa được cấu hình cơ sở dữ liệu giám sát (InfluxDB) nên chưa xem được tình trạng thiết bị và cảnh báo. Hãy nhờ quản trị viên bổ sung mục cơ sở dữ liệu giám sát trong tệp cấu hình.',
  },
  INFLUX_UNAVAILABLE: {
    status: 502,
    message: 'Không đọc được dữ liệu giám sát thiết bị từ InfluxDB; vui lòng thử lại sau.',
  },
  AREA_UNKNOWN: { status: 404, message: 'Không tìm thấy tỉnh, huyện hoặc xã này trong phạm vi bạn được xem.' },
  DEPLOYMENT_INVALID: { status: 400, message: 'Thông tin triển khai không hợp lệ.' },
  PROVISIONING_UNCONFIGURED: {
    status: 503,
    message: 'Hệ thống chưa được cấu hình cấp phát thiết bị (mục provisioning trong cấu hình).',
  },
  DEVICE_EXISTS: { status: 409, message: 'Mã thiết bị đã có trong danh bạ hoặc đang chờ kích hoạt ở xã khác.' },
  PLACE_UNKNOWN: { status: 400, message: 'Quầy hoặc thôn/ấp không có trong xã của bạn:' },
  CLAIM_INVALID: { status: 400, message: 'Mã kích hoạt không đúng, đã được dùng hoặc đã hết hạn.' },
  CLAIM_THROTTLED: { status: 429, message: 'Nhập sai mã kích hoạt quá nhiều lần. Vui lòng thử lại sau ít phút.' },
  UPDATES_UNCONFIGURED: {
    status: 503,
    message: 'Hệ thống chưa được cấu hình khoá phát hành của tỉnh (mục updates.releaseKey).',
  },
  RELEASE_SIGNATURE_INVALID: {
    status: 400,
    message: 'Chữ ký của bản phát hành không hợp lệ: không phải khoá phát hành của tỉnh.',
  },
  IMPORT_FILE_MISSING: { status: 400, message: 'Chưa chọn tệp danh sách hồ sơ (Excel .xlsx hoặc CSV) để nhập.' },
  IMPORT_INVALID: {
    status: 400,
    message: 'Tệp danh sách hồ sơ có dòng không hợp lệ; chưa nhập hồ sơ nào. Hãy sửa các ô được liệt kê rồi nhập lại.',
  },
  PERIOD_INVALID: {
    status: 400,
    message: 'Kỳ báo cáo không hợp lệ: cần ngày bắt đầu và ngày kết thúc (ngày/tháng/năm), bắt đầu không sau kết thúc.',
  },
  LEADER_ONLY: { status: 403, message: 'Chỉ lãnh đạo xã này mới xem được số liệu theo từng cán bộ và hồ sơ theo dõi.' },
  OFFICER_INVALID: { status: 400, message: 'Mã cán bộ hoặc họ tên cán bộ không hợp lệ.' },
  CASE_NOT_FOUND: { status: 404, message: 'Không tìm thấy hồ sơ theo dõi.' },
  CASE_CLOSED: { status: 409, message: 'Hồ sơ theo dõi đã đóng.' },
  ASSIGNEE_INVALID: { status: 400, message: 'Người được giao phải là cán bộ hoặc lãnh đạo của xã này.' },
  HOLIDAYS_NOT_COVERED: {
    status: 500,
    message: 'Bảng ngày nghỉ lễ chưa có dữ liệu cho năm cần tính hạn xử lý; quản trị viên cần cập nhật bảng ngày lễ.',
  },
  CROSS_SITE_REFUSED: {
    status: 403,
    message: 'Yêu cầu đến từ một trang khác nên đã bị từ chối. Hãy thao tác trực tiếp trên trang console.',
  },
  CONTENT_TYPE_REFUSED: { status: 415, message: 'Dữ liệu gửi lên phải ở dạng JSON; yêu cầu này đã bị từ chối.' },
  INTERNAL: { status: 500, message: 'Lỗi hệ thống; thao tác chưa được thực hiện. Vui lòng thử lại.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class ConsoleError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** extra Vietnamese detail appended to the catalogue message (e.g. which hamlet, which limit) */
    readonly detail?: string,
  ) {
    super(detail ? `${ERRORS[code].message} ${detail}` : ERRORS[code].message);
    this.status = ERRORS[code].status;
  }

  toBody(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function fail(code: ErrorCode, detail?: string): never {
  throw new ConsoleError(code, detail);
}
