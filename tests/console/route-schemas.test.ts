import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleEnv, type Env } from './helpers.ts';

/**
 * The admin, audio, broadcast, device, provisioning, update and deployment routes check their input with the
 * zod schemas of console/api/ and their answers too: garbage of every kind is a coded 4xx with a Vietnamese
 * message, never a 500, and an answer that does not match its schema is never sent half-right.
 */
let env: Env;
let admin: string;
let staff: string;
let leader: string;
let inspector: string;

beforeAll(async () => {
  env = await consoleEnv();
  [admin, staff, leader, inspector] = await Promise.all(
    ['quantri', 'canbo1', 'lanhdao1', 'huyen'].map((u) => env.login(u)),
  );
});
afterAll(async () => {
  await env.console.close();
  await env.broker.close();
});

type Case = [token: () => string | null, method: string, path: string, body: unknown, status: number, code: string];

/** every case answers its status and code, with a Vietnamese message (never a 500) */
async function refuses(cases: Case[]): Promise<void> {
  for (const [token, method, path, body, status, code] of cases) {
    const r = await env.api(token(), method, path, body);
    const what = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`;
    expect([r.status, r.body?.error?.code], what).toEqual([status, code]);
    expect(r.body.error.message, what).toMatch(/[à-ỹ]/);
  }
}

const long = (n: number) => 'x'.repeat(n);
const A = () => admin;
const S = () => staff;
const L = () => leader;
const I = () => inspector;
const anon = () => null;

describe('admin routes', () => {
  const good = { username: 'canbo9', password: 'mot-mat-khau-dai', role: 'staff', communes: ['90001'] };
  it('refuse wrong types, missing fields, oversize and garbage names with the catalogue codes', async () => {
    await refuses([
      [anon, 'POST', '/api/users', { username: 5 }, 401, 'UNAUTHENTICATED'],
      // a staff member learns nothing of what the route accepts
      [S, 'POST', '/api/users', { username: 5 }, 403, 'FORBIDDEN_ROLE'],
      [A, 'POST', '/api/users', { ...good, username: 5 }, 400, 'USERNAME_INVALID'],
      [A, 'POST', '/api/users', { ...good, username: 'Có Dấu' }, 400, 'USERNAME_INVALID'],
      [A, 'POST', '/api/users', { ...good, password: undefined }, 400, 'PASSWORD_WEAK'],
      [A, 'POST', '/api/users', { ...good, password: long(2000) }, 400, 'INVALID_INPUT'],
      [A, 'POST', '/api/users', { ...good, role: 'root' }, 400, 'ROLE_INVALID'],
      [A, 'POST', '/api/users', { ...good, level: 'village' }, 400, 'LEVEL_INVALID'],
      [A, 'POST', '/api/users', { ...good, communes: '90001' }, 400, 'INVALID_INPUT'],
      [A, 'POST', '/api/users', { ...good, communes: [90001] }, 400, 'INVALID_INPUT'],
      [A, 'POST', '/api/users', { ...good, displayName: long(201) }, 400, 'INVALID_INPUT'],
      [A, 'POST', '/api/users', [good], 400, 'INVALID_INPUT'],
      [A, 'POST', '/api/users', 'canbo9', 400, 'INVALID_INPUT'],
      [A, 'DELETE', `/api/users/${long(100)}`, undefined, 404, 'USER_NOT_FOUND'],
      [A, 'DELETE', '/api/users/khong-co', undefined, 404, 'USER_NOT_FOUND'],
      [A, 'POST', '/api/users/khong-co/enable', undefined, 404, 'USER_NOT_FOUND'],
      [S, 'GET', '/api/roles', undefined, 403, 'FORBIDDEN_ROLE'],
      [S, 'GET', '/api/stats', undefined, 403, 'FORBIDDEN_ROLE'],
    ]);
    const big = await env.api(admin, 'POST', '/api/users', { ...good, displayName: long(2 * 1024 * 1024) });
    expect([big.status, big.body.error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect(env.console.store.users.byUsername('canbo9')).toBeUndefined();
  });

  it('answer one envelope: lists as {items}, an account as {id, user}', async () => {
    const created = await env.api(admin, 'POST', '/api/users', { ...good, displayName: 'Cán bộ Chín' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'canbo9', user: { username: 'canbo9', disabled: false } });
    expect(created.body.user).not.toHaveProperty('passwordHash');
    const locked = await env.api(admin, 'DELETE', '/api/users/canbo9');
    expect(locked.body).toMatchObject({ id: 'canbo9', user: { disabled: true } });
    const list = await env.api(admin, 'GET', '/api/users');
    expect(list.body.items.find((u: { username: string }) => u.username === 'canbo9')).toMatchObject({
      disabled: true,
      roleLabel: expect.stringMatching(/Cán bộ/),
    });
    const stats = await env.api(leader, 'GET', '/api/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.logins.passwordChecks).toBeGreaterThan(0);
    expect(stats.body.feedback).toMatchObject({ logs: expect.any(Number), dropped: expect.any(Object) });
    expect((await env.api(admin, 'GET', '/api/roles')).body.items).toContainEqual(
      expect.objectContaining({ role: 'staff', level: 'commune' }),
    );
  });

  it('checks its answers too: an account the list cannot describe is a 500 INTERNAL, never a half answer', async () => {
    const users = env.console.store.users;
    const real = users.listAll.bind(users);
    users.listAll = () => real().map((u) => ({ ...u, disabled: 'no' as unknown as boolean }));
    try {
      const r = await env.api(admin, 'GET', '/api/users');
      expect([r.status, r.body.error.code]).toEqual([500, 'INTERNAL']);
      expect(JSON.stringify(r.body)).not.toContain('quantri');
    } finally {
      users.listAll = real;
    }
  });
});

describe('audio routes', () => {
  it('refuse a request that is not one file, and unknown names', async () => {
    const empty = new FormData();
    empty.append('note', 'không có tệp');
    await refuses([
      [anon, 'POST', '/api/audio', empty, 401, 'UNAUTHENTICATED'],
      [S, 'POST', '/api/audio', empty, 400, 'AUDIO_MISSING_FILE'],
    ]);
    for (const name of ['khong-co', long(64), 'A'.repeat(64), '../../etc/passwd']) {
      const r = await fetch(`${env.console.url}/audio/${encodeURIComponent(name)}`);
      expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([404, 'AUDIO_UNKNOWN']);
    }
  });
});

describe('broadcast routes', () => {
  it('refuse bad stops, policies, roll-ups and previews with coded errors', async () => {
    await refuses([
      [anon, 'POST', '/api/stops', {}, 401, 'UNAUTHENTICATED'],
      [S, 'POST', '/api/stops', { communes: 5 }, 403, 'FORBIDDEN_ROLE'],
      [L, 'POST', '/api/stops', { communes: 5 }, 400, 'TARGETS_INVALID'],
      [L, 'POST', '/api/stops', { communes: [] }, 400, 'TARGETS_INVALID'],
      [L, 'POST', '/api/stops', { communes: [long(100)] }, 400, 'TARGETS_INVALID'],
      [L, 'POST', '/api/stops', { until: 20300101 }, 400, 'UNTIL_INVALID'],
      [L, 'POST', '/api/stops', { until: '31/12/2030 07:00' }, 400, 'UNTIL_INVALID'],
      [L, 'POST', '/api/stops', { until: '2020-01-01T07:00' }, 400, 'UNTIL_INVALID'],
      [L, 'POST', '/api/stops', [], 400, 'INVALID_INPUT'],
      [L, 'POST', '/api/stops/khong-co/resume', undefined, 404, 'STOP_NOT_FOUND'],
      [L, 'POST', `/api/stops/${long(100)}/resume`, undefined, 404, 'STOP_NOT_FOUND'],
      [S, 'PUT', '/api/policy', { policy: {} }, 403, 'FORBIDDEN_ROLE'],
      [L, 'PUT', '/api/policy', {}, 400, 'POLICY_INVALID'],
      [L, 'PUT', '/api/policy', { policy: { quietHours: 'đêm' } }, 400, 'POLICY_INVALID'],
      [
        L,
        'PUT',
        '/api/policy',
        { policy: { quietHours: { periods: [], exempt: [] }, volumeCaps: [{ from: '25:00', to: '06:00', max: 101 }] } },
        400,
        'POLICY_INVALID',
      ],
      [S, 'GET', `/api/policy?commune=${long(100)}`, undefined, 400, 'INVALID_INPUT'],
      [S, 'GET', '/api/policy?commune=90002', undefined, 403, 'FORBIDDEN_COMMUNE'],
      [S, 'GET', '/api/rollup?announcement=khong-co', undefined, 404, 'NOT_FOUND'],
      [S, 'GET', '/api/preview?commune=90001&from=hôm-qua', undefined, 400, 'INVALID_INPUT'],
      [
        S,
        'GET',
        '/api/preview?commune=90001&from=2026-12-10T00:00Z&to=2026-12-01T00:00Z',
        undefined,
        400,
        'INVALID_INPUT',
      ],
      [S, 'GET', '/api/preview', undefined, 400, 'INVALID_INPUT'],
      [S, 'GET', '/api/keys', undefined, 403, 'FORBIDDEN_ROLE'],
    ]);
    // a bad policy leaves the one in force
    expect((await env.api(staff, 'GET', '/api/policy')).body.policy.quietHours.periods).toEqual([
      { from: '21:00', to: '05:30' },
    ]);
  });

  it('answer one envelope: a stop as {id, stop}, lists as {items}; garbage hours fall back to the default', async () => {
    const stop = await env.api(leader, 'POST', '/api/stops', {});
    expect(stop.status).toBe(201);
    expect(stop.body).toMatchObject({ id: stop.body.stop.id, stop: { level: 'commune', unit: '90001' } });
    const listed = (await env.api(staff, 'GET', '/api/stops')).body.items;
    expect(listed.find((s: { id: string }) => s.id === stop.body.id)).toMatchObject({ active: true });
    const resumed = await env.api(leader, 'POST', `/api/stops/${stop.body.id}/resume`);
    expect(resumed.body).toMatchObject({ id: stop.body.id, stop: { liftedBy: 'lanhdao1' } });
    const rollup = await env.api(staff, 'GET', '/api/rollup?hours=nhiều');
    expect(rollup.status).toBe(200);
    expect(Date.parse(rollup.body.since)).toBeLessThan(Date.now() - 23 * 3_600_000);
    expect((await env.api(admin, 'GET', '/api/keys')).body.items).toContainEqual(
      expect.objectContaining({ unit: '90001', publicKey: expect.any(String) }),
    );
  });
});

describe('device, provisioning, update and deployment routes', () => {
  it('refuse garbage with coded errors', async () => {
    const release = { manifest: { version: '0.2.0' }, sig: 'x' };
    await refuses([
      [anon, 'GET', '/api/devices', undefined, 401, 'UNAUTHENTICATED'],
      [S, 'GET', '/api/devices', undefined, 503, 'INFLUX_UNCONFIGURED'],
      [I, 'POST', '/api/provisioning/devices', { kind: 'speaker' }, 403, 'FORBIDDEN_ROLE'],
      [S, 'POST', '/api/provisioning/devices', { kind: 'speaker', id: 5, hamlet: 'xa1-ap1' }, 400, 'INVALID_INPUT'],
      [S, 'POST', '/api/provisioning/devices', { kind: 'toaster', id: 'xa1-x' }, 400, 'INVALID_INPUT'],
      [
        S,
        'POST',
        '/api/provisioning/devices',
        { kind: 'speaker', id: 'xa1-ap1-loa9', hamlet: 'xa1-ap1', name: long(201) },
        400,
        'INVALID_INPUT',
      ],
      [
        S,
        'POST',
        '/api/provisioning/devices',
        { kind: 'speaker', id: 'xa1-ap1-loa9', hamlet: 'xa1-ap1' },
        503,
        'PROVISIONING_UNCONFIGURED',
      ],
      [anon, 'POST', '/api/provisioning/claim', { code: 5 }, 400, 'CLAIM_INVALID'],
      [anon, 'POST', '/api/provisioning/claim', { code: long(100) }, 400, 'CLAIM_INVALID'],
      [anon, 'POST', '/api/provisioning/claim', [], 400, 'CLAIM_INVALID'],
      [S, 'DELETE', `/api/provisioning/devices/${long(100)}`, undefined, 404, 'NOT_FOUND'],
      [S, 'POST', '/api/updates/rollouts', { announcement: release }, 403, 'FORBIDDEN_ROLE'],
      [
        A,
        'POST',
        '/api/updates/rollouts',
        { announcement: 1, communes: ['90001'], perMinute: 1 },
        400,
        'INVALID_INPUT',
      ],
      [
        A,
        'POST',
        '/api/updates/rollouts',
        { announcement: release, communes: '90001', perMinute: 1 },
        400,
        'INVALID_INPUT',
      ],
      [
        A,
        'POST',
        '/api/updates/rollouts',
        { announcement: release, communes: ['90001'], perMinute: 0 },
        400,
        'INVALID_INPUT',
      ],
      [S, 'PUT', '/api/satisfaction/deployment/90001', { items: [] }, 400, 'DEPLOYMENT_INVALID'],
      [
        S,
        'PUT',
        '/api/satisfaction/deployment/90001',
        { items: { camera: { present: true } }, x: 1 },
        400,
        'DEPLOYMENT_INVALID',
      ],
      [
        S,
        'PUT',
        `/api/satisfaction/deployment/${long(100)}`,
        { items: { camera: { present: true } } },
        403,
        'FORBIDDEN_COMMUNE',
      ],
      [S, 'GET', `/api/satisfaction/deployment?commune=${long(100)}`, undefined, 403, 'FORBIDDEN_COMMUNE'],
    ]);
  });

  it('answer lists as {items}', async () => {
    const versions = await env.api(staff, 'GET', '/api/updates/devices');
    expect(versions.body.items.length).toBeGreaterThan(0);
    expect(versions.body.items.every((d: { commune: string }) => d.commune === '90001')).toBe(true);
    expect((await env.api(admin, 'GET', '/api/updates/rollouts')).body).toEqual({ items: [] });
  });
});
