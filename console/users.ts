import { hashPassword, verifyPassword } from '../devices/credentials.ts';
import type { Clock } from '../infra/clock.ts';
import type { Area } from './area.ts';
import { ConsoleError, fail } from './errors.ts';
import { POLICY, rulesFor, settleKeys } from './login-throttle.ts';
import type { Role, User } from './model.ts';
import { NewUserRequest } from './api/admin.ts';
import { codedIssue } from './api/coded.ts';
import type { Store } from './store/index.ts';

export type NewUser = {
  username: string;
  password: string;
  role: Role;
  level: User['level'];
  unit: string | null;
  communes: string[];
  displayName?: string;
};

/** Users, passwords (scrypt, devices/credentials.ts) and sessions. Shared by the HTTP API and the CLI. */
export class UserService {
  /** passwordChecks: attempts that got past the throttle to a password comparison */
  readonly stats = { loginsOk: 0, loginsFailed: 0, loginsLocked: 0, passwordChecks: 0 };
  #dummyHash?: Promise<string>;
  #purgedAt = 0;

  constructor(
    private readonly deps: {
      store: Store;
      area: Area;
      clock: Clock;
      sessionMs: number;
      hashCost?: { N: number; r: number; p: number };
    },
  ) {}

  validateNew(input: unknown): NewUser {
    const parsed = NewUserRequest.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = codedIssue(parsed.error.issues);
      fail(issue.code, issue.detail);
    }
    const u = parsed.data;
    const role = u.role;
    const base = { username: u.username, password: u.password, role, displayName: u.displayName };
    if (role === 'admin') return { ...base, level: null, unit: null, communes: [] };
    const area = this.deps.area;
    const communes = u.communes ?? (u.commune !== undefined ? [u.commune] : []);
    for (const c of communes) if (!area.serves(c)) fail('INVALID_INPUT', `Xã ${c} không do máy chủ này quản lý.`);
    const level = u.level ?? (role === 'inspector' ? null : 'commune');
    if (level === 'district' && !area.hasDistricts()) fail('LEVEL_INVALID', 'Sổ đăng ký không còn cấp huyện.');
    if (level === null) {
      if (communes.length === 0) fail('INVALID_INPUT', 'Cần chọn xã cho người dùng.');
      return { ...base, level: null, unit: null, communes };
    }
    if (level === 'commune') {
      const code = typeof u.unit === 'string' ? u.unit : communes[0];
      if (!code || communes.length > 1 || (communes.length === 1 && communes[0] !== code))
        fail('INVALID_INPUT', 'Cán bộ và lãnh đạo xã thuộc đúng một xã.');
      if (!area.serves(code)) fail('INVALID_INPUT', `Xã ${code} không do máy chủ này quản lý.`);
      return { ...base, level, unit: code, communes: [code] };
    }
    // a province or district user: the unit is its code; a console serving one province may leave it out
    const lvl = level as 'province' | 'district';
    const candidates = [
      ...new Set(
        area.communes
          .map((c) => (lvl === 'province' ? area.provinceOf(c)?.code : area.districtOf(c)?.code))
          .filter((x): x is string => !!x),
      ),
    ];
    const unit = typeof u.unit === 'string' ? u.unit : candidates.length === 1 ? candidates[0] : undefined;
    if (!unit || area.communesIn(lvl, unit).length === 0)
      fail('INVALID_INPUT', `Cần chọn ${lvl === 'province' ? 'tỉnh' : 'huyện'} do máy chủ này quản lý.`);
    return { ...base, level: lvl, unit, communes: [] };
  }

  async create(input: unknown, by: string): Promise<User> {
    const n = this.validateNew(input);
    this.#refuseTaken(n.username);
    const passwordHash = await hashPassword(n.password, this.deps.hashCost);
    const at = new Date(this.deps.clock.now()).toISOString();
    return this.deps.store.tx(() => {
      this.#refuseTaken(n.username);
      const user = this.deps.store.users.insert({ ...n, passwordHash }, at);
      this.deps.store.audit.record({
        at,
        username: by,
        commune: n.communes[0] ?? n.unit ?? null,
        action: 'user.create',
        target: n.username,
        before: null,
        after: user,
      });
      return user;
    });
  }

  disable(username: string, by: string): void {
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.tx(() => {
      const before = this.deps.store.users.byUsername(username);
      if (!before || before.disabled) fail('USER_NOT_FOUND');
      // checked inside the transaction: two admins locking each other at once cannot both succeed
      if (before.role === 'admin' && this.deps.store.users.activeAdmins() <= 1) fail('LAST_ADMIN');
      this.deps.store.users.disable(username);
      const { passwordHash: _omit, ...shown } = before;
      this.deps.store.audit.record({
        at,
        username: by,
        commune: before.communes[0] ?? null,
        action: 'user.disable',
        target: username,
        before: shown,
        after: null,
      });
    });
  }

  /** a locked account opens again with its old role, communes and password */
  enable(username: string, by: string): void {
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.tx(() => {
      const before = this.deps.store.users.byUsername(username);
      if (!before) fail('USER_NOT_FOUND');
      if (!before.disabled) fail('USER_NOT_LOCKED');
      this.deps.store.users.enable(username);
      this.deps.store.audit.record({
        at,
        username: by,
        commune: before.communes[0] ?? null,
        action: 'user.enable',
        target: username,
        before: null,
        after: null,
      });
    });
  }

  /** a locked account keeps its name (its history in the audit trail is tied to it): say so, and how to reopen it */
  #refuseTaken(username: string): void {
    const existing = this.deps.store.users.byUsername(username);
    if (existing) fail(existing.disabled ? 'USER_LOCKED_EXISTS' : 'USER_EXISTS');
  }

  /**
   * A session token for correct credentials. The throttle (login-throttle.ts) is claimed and counted before
   * the password is checked, in one transaction, so concurrent guesses see each other. `deviceToken` is the
   * known-device cookie; a new one is returned after a successful login from an unknown browser.
   */
  async login(
    username: unknown,
    password: unknown,
    from: { address: string; deviceToken?: string } = { address: 'local' },
  ): Promise<{ token: string; user: User; deviceToken?: string }> {
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password || username.length > 64)
      fail('BAD_CREDENTIALS');
    const now = this.deps.clock.now();
    const { store } = this.deps;
    const found = store.users.byUsername(username);
    const device = from.deviceToken ? store.loginAttempts.deviceOwner(from.deviceToken) : undefined;
    const ownDevice = device && found && device.userId === found.id ? device.id : undefined;
    const rules = rulesFor(username, { address: from.address, device: ownDevice });
    if (now - this.#purgedAt > 60_000) {
      store.loginAttempts.purgeOlderThan(now - POLICY.pairQuietMs);
      this.#purgedAt = now;
    }
    const claim = store.loginAttempts.claim(rules, now);
    if (!claim.ok) {
      this.stats.loginsLocked++;
      fail('LOGIN_LOCKED', `Thử lại sau ${waitText(claim.retryAfterMs)}.`);
    }
    this.stats.passwordChecks++;
    // an unknown name costs the same scrypt as a wrong password, so names cannot be probed by timing
    const ok = await verifyPassword(password, found && !found.disabled ? found.passwordHash : await this.#dummy());
    if (!found || found.disabled || !ok) {
      this.stats.loginsFailed++;
      throw new ConsoleError('BAD_CREDENTIALS');
    }
    const settle = settleKeys(rules);
    store.loginAttempts.succeeded(settle.clear, settle.refund);
    this.stats.loginsOk++;
    store.users.purgeExpired(now);
    const { passwordHash: _h, disabled: _d, ...user } = found;
    const token = store.users.createSession(user.id, now, this.deps.sessionMs);
    let deviceToken: string | undefined;
    if (ownDevice) store.loginAttempts.touchDevice(from.deviceToken!, now);
    else deviceToken = store.loginAttempts.newDevice(user.id, now);
    store.audit.record({
      at: new Date(now).toISOString(),
      username,
      commune: user.communes[0] ?? null,
      action: 'login',
      target: username,
      before: null,
      after: { address: from.address, knownDevice: !!ownDevice },
    });
    return { token, user, deviceToken };
  }

  userForToken(token: string): User | undefined {
    return this.deps.store.users.userForToken(token, this.deps.clock.now());
  }

  logout(token: string): void {
    this.deps.store.users.deleteSession(token);
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword('not-a-password', this.deps.hashCost);
    return this.#dummyHash;
  }
}

/** "45 giây" / "3 phút" */
function waitText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s} giây` : `${Math.ceil(s / 60)} phút`;
}
