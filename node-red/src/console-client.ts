/**
 * A small client of the commune console's HTTP API (console/): log in with a person's account,
 * keep the session token, log in again once when it expired. Errors come back as values with the
 * console's own code and Vietnamese message; client-side failures get codes of our own.
 */
export type ConsoleError = { code: string; message: string; status?: number };
export type ConsoleResult = { ok: true; status: number; body: unknown } | { ok: false; error: ConsoleError };

export type ConsoleClientOptions = {
  baseUrl: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

function consoleError(status: number, body: unknown): ConsoleError {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (e && typeof e.code === 'string')
    return { code: e.code, message: typeof e.message === 'string' ? e.message : e.code, status };
  return { code: `http-${status}`, message: `máy chủ điều hành trả lỗi HTTP ${status}`, status };
}

export class ConsoleClient {
  #token?: string;
  readonly #fetch: typeof fetch;

  constructor(readonly options: ConsoleClientOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ConsoleResult> {
    const { baseUrl, username, password } = this.options;
    if (!baseUrl)
      return {
        ok: false,
        error: {
          code: 'console-url-missing',
          message: 'chưa nhập địa chỉ máy chủ điều hành (console URL) trong cấu hình',
        },
      };
    if (!username || !password)
      return { ok: false, error: { code: 'credentials-missing', message: 'chưa nhập tài khoản/mật khẩu người gửi' } };
    const hadToken = !!this.#token;
    if (!this.#token) {
      const login = await this.#login();
      if (!login.ok) return login;
    }
    const first = await this.#call(method, path, body, this.#token);
    if (first.ok || first.error.status !== 401 || !hadToken) return first;
    // the cached session expired or the console restarted: log in once more, then give up
    this.#token = undefined;
    const login = await this.#login();
    return login.ok ? this.#call(method, path, body, this.#token) : login;
  }

  async #login(): Promise<ConsoleResult> {
    const res = await this.#call('POST', '/api/session', {
      username: this.options.username,
      password: this.options.password,
    });
    if (!res.ok) return res;
    const token = (res.body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || !token)
      return { ok: false, error: { code: 'bad-response', message: 'máy chủ điều hành không trả mã phiên (token)' } };
    this.#token = token;
    return res;
  }

  async #call(method: string, path: string, body: unknown, token?: string): Promise<ConsoleResult> {
    let res: Response;
    try {
      res = await this.#fetch(this.options.baseUrl + path, {
        method,
        // no content-type without a body: fastify refuses an empty JSON body with 400
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      return {
        ok: false,
        error: {
          code: 'console-unreachable',
          message: `không kết nối được máy chủ điều hành: ${(err as Error).message}`,
        },
      };
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* a non-JSON body (a proxy's error page) is reported by status alone */
    }
    return res.ok ? { ok: true, status: res.status, body: json } : { ok: false, error: consoleError(res.status, json) };
  }
}
