import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY } from '../../console/login-throttle.ts';
import { consoleEnv, PASSWORD, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';

let env: Env;
const clock = new FakeClock(Date.parse('2027-03-01T01:00:00Z'));

async function loginRaw(username: string, password: string, cookie?: string) {
  const res = await fetch(`${env.console.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  return { status: res.status, code: body.error?.code as string | undefined, setCookie: res.headers.getSetCookie() };
}

beforeAll(async () => {
  env = await consoleEnv({}, clock);
});

describe('login throttling', () => {
  it('five rounds of 50 concurrent guesses: only a handful reach a password check; the owner on a known device still logs in', async () => {
    // the leader logged in from this browser yesterday: it holds a known-device cookie
    const first = await loginRaw('lanhdao1', PASSWORD);
    expect(first.status).toBe(200);
    const device = first.setCookie.find((c) => c.startsWith('tt_device='))!.split(';')[0];
    expect(device).toMatch(/^tt_device=.{20,}/);
    clock.advance(86_400_000);

    const checksBefore = env.console.users.stats.passwordChecks;
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => loginRaw('lanhdao1', `doan-sai-${round}-${i}`)),
      );
      statuses.push(...results.map((r) => r.status));
      clock.advance(10_000);
    }
    const gotThrough = env.console.users.stats.passwordChecks - checksBefore;
    // 3 free, then one per round as the doubling wait (1 s, 2 s, 4 s, 8 s) passes the 10 s between rounds
    expect(gotThrough).toBe(7);
    expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(243);

    // the right password from the attacker's address is still refused, without a password check
    const guessed = await loginRaw('lanhdao1', PASSWORD);
    expect([guessed.status, guessed.code]).toEqual([429, 'LOGIN_LOCKED']);
    expect(env.console.users.stats.passwordChecks - checksBefore).toBe(7);
    // the owner's browser, same address, is not locked out
    const owner = await loginRaw('lanhdao1', PASSWORD, device);
    expect(owner.status).toBe(200);
  });

  it('a colleague spraying the leader from many addresses locks the account, but not the leader on a known device', async () => {
    const first = await env.console.users.login('lanhdao2', PASSWORD, { address: '10.0.0.1' });
    const deviceToken = first.deviceToken!;
    clock.advance(3_600_000);
    let through = 0;
    for (let a = 0; a < 8; a++) {
      for (let i = 0; i < 3; i++) {
        const before = env.console.users.stats.passwordChecks;
        await env.console.users.login('lanhdao2', `sai-${a}-${i}`, { address: `10.1.0.${a}` }).catch(() => {});
        through += env.console.users.stats.passwordChecks - before;
      }
    }
    expect(through).toBe(POLICY.accountFailures);
    // a correct password from yet another, fresh address: the account-wide lock holds
    await expect(env.console.users.login('lanhdao2', PASSWORD, { address: '10.2.0.1' })).rejects.toMatchObject({
      code: 'LOGIN_LOCKED',
    });
    // the owner's known device is exempt; a stolen device token used for another account is not
    await expect(
      env.console.users.login('lanhdao2', PASSWORD, { address: '10.1.0.0', deviceToken }),
    ).resolves.toMatchObject({ user: { username: 'lanhdao2' } });
    await expect(
      env.console.users.login('lanhdao2', 'sai', { address: '10.2.0.2', deviceToken: 'khong-hop-le' }),
    ).rejects.toMatchObject({ code: 'LOGIN_LOCKED' });
    // after the lock time the account opens again
    clock.advance(POLICY.accountLockMs + 1000);
    await expect(env.console.users.login('lanhdao2', PASSWORD, { address: '10.2.0.1' })).resolves.toMatchObject({
      user: { username: 'lanhdao2' },
    });
  });

  it('one address spraying many names gets a limited number of password checks', async () => {
    const before = env.console.users.stats.passwordChecks;
    for (let i = 0; i < 45; i++)
      await env.console.users.login(`ten-${i}`, 'sai', { address: '10.9.9.9' }).catch(() => {});
    expect(env.console.users.stats.passwordChecks - before).toBe(POLICY.addressFailures);
    // another address is not affected
    await expect(env.console.users.login('canbo1', PASSWORD, { address: '10.9.9.8' })).resolves.toMatchObject({
      user: { username: 'canbo1' },
    });
  });

  it('forgets counters after a quiet day, so a spray does not grow the table for ever', async () => {
    expect(env.console.store.loginAttempts.failuresOf('address:10.9.9.9')).toBe(POLICY.addressFailures);
    clock.advance(POLICY.pairQuietMs + 120_000);
    await env.console.users.login('canbo1', PASSWORD, { address: '10.9.9.7' });
    expect(env.console.store.loginAttempts.failuresOf('address:10.9.9.9')).toBe(0);
  });
});
