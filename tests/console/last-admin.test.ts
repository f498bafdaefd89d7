import { beforeAll, describe, expect, it } from 'vitest';
import { consoleEnv, PASSWORD, type Env } from './helpers.ts';

let env: Env;
let admin: string;

beforeAll(async () => {
  env = await consoleEnv();
  admin = await env.login('quantri');
});

describe('the last administrator', () => {
  it('cannot remove or lock themselves when they are the last; unlock reopens an account; a locked name says so', async () => {
    const self = await env.api(admin, 'DELETE', '/api/users/quantri');
    expect([self.status, self.body.error.code]).toEqual([409, 'LAST_ADMIN']);
    expect((await env.api(admin, 'GET', '/api/me')).status).toBe(200);

    // with a second administrator, one may be locked, but then not the other
    expect(
      (await env.api(admin, 'POST', '/api/users', { username: 'quantri2', password: PASSWORD, role: 'admin' })).status,
    ).toBe(201);
    const second = await env.login('quantri2');
    const [a, b] = await Promise.all([
      env.api(admin, 'DELETE', '/api/users/quantri2'),
      env.api(second, 'DELETE', '/api/users/quantri'),
    ]);
    // both at once: exactly one succeeds (the other is refused, or already logged out), one administrator is left
    expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
    expect([a.status, b.status].filter((s) => s === 409 || s === 401)).toHaveLength(1);
    expect(env.console.store.users.activeAdmins()).toBe(1);
    const survivor =
      a.status === 200
        ? { token: admin, name: 'quantri', locked: 'quantri2' }
        : { token: second, name: 'quantri2', locked: 'quantri' };
    expect((await env.api(survivor.token, 'DELETE', `/api/users/${survivor.name}`)).body.error.code).toBe('LAST_ADMIN');

    // re-creating the locked name is refused with a message that says what to do
    const again = await env.api(survivor.token, 'POST', '/api/users', {
      username: survivor.locked,
      password: PASSWORD,
      role: 'admin',
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'USER_LOCKED_EXISTS']);
    expect(again.body.error.message).toMatch(/mở khóa/);
    const listed = (await env.api(survivor.token, 'GET', '/api/users')).body.items.find(
      (u: { username: string }) => u.username === survivor.locked,
    );
    expect(listed).toMatchObject({ disabled: true });
    // unlock: the account logs in again with its old password
    expect((await env.api(survivor.token, 'POST', `/api/users/${survivor.locked}/enable`)).status).toBe(200);
    expect((await env.api(survivor.token, 'POST', `/api/users/${survivor.locked}/enable`)).body.error.code).toBe(
      'USER_NOT_LOCKED',
    );
    await env.login(survivor.locked);
    // non-admins cannot unlock
    expect((await env.api(await env.login('lanhdao1'), 'POST', '/api/users/canbo1/enable')).body.error.code).toBe(
      'FORBIDDEN_ROLE',
    );
  });
});
