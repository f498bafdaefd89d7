import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode, type ScheduleDocument } from '../../devices/contract/index.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { verifySchedule } from '../../devices/schedule-signature.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { topicFor, type IssuerChannel } from '../../devices/topics.ts';
import { Area } from '../../console/area.ts';
import { availableRoles, roleLabel, userRoleLabel } from '../../console/levels.ts';
import { MIGRATIONS, openDb } from '../../console/store/db.ts';
import { tempDir } from '../harness/temp.ts';
import { CHEAP, consoleEnv, PASSWORD, waitFor, type Env } from './helpers.ts';

let env: Env;
let tinh: string, tinhLeader: string, staff1: string, leader1: string, leader2: string, inspector: string;

/** every signed document a speaker receives on an issuer's topic, verified with that issuer's key as the speaker does */
function watch(
  client: MqttClient,
  speaker: string,
  hamlet: string,
  commune: string,
  channel: IssuerChannel,
  unit: { level: 'commune' | 'district' | 'province'; code: string },
) {
  const docs: ScheduleDocument[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== topicFor(speaker, channel)) return;
    const key = env.console.keys.get(unit.code)!.publicKeyPem;
    const r = verifySchedule(JSON.parse(payload.toString()), key, {
      speaker,
      hamlet,
      commune,
      minVersion: 1,
      issuer: unit,
    });
    if (r.ok) docs.push(r.doc);
  });
  return { latest: () => docs.at(-1), docs };
}

const tomorrow = () => new Date(Date.now() + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
const draft = (over: Record<string, unknown> = {}) => ({
  title: 'Cảnh báo triều cường',
  text: 'Kính thưa bà con, triều cường dâng cao chiều mai, đề nghị chằng chống nhà cửa.',
  hamlets: 'all',
  schedule: { kind: 'once', at: `${tomorrow()}T16:00` },
  priority: 'priority',
  ...over,
});

beforeAll(async () => {
  env = await consoleEnv();
  await env.console.users.create(
    { username: 'tinh', password: PASSWORD, role: 'staff', level: 'province', unit: '99' },
    'test',
  );
  await env.console.users.create(
    { username: 'tinh-ld', password: PASSWORD, role: 'leader', level: 'province' },
    'test',
  );
  await env.console.users.create(
    { username: 'thanhtra', password: PASSWORD, role: 'inspector', communes: ['90001', '90002'] },
    'test',
  );
  [tinh, tinhLeader, staff1, leader1, leader2, inspector] = await Promise.all(
    ['tinh', 'tinh-ld', 'canbo1', 'lanhdao1', 'lanhdao2', 'thanhtra'].map((u) => env.login(u)),
  );
});

describe('levels and roles', () => {
  it('labels roles by level; district roles only where the registry has districts; no "huyện" in a two-tier province', async () => {
    const three = new Area(parseRegistry((await demoRegistry({ communes: 3, cost: CHEAP, withDistrict: true })).yaml));
    const two = new Area(parseRegistry((await demoRegistry({ communes: 3, cost: CHEAP })).yaml));
    expect(availableRoles(three).map((r) => r.label)).toContain('Lãnh đạo huyện');
    expect(
      availableRoles(two)
        .map((r) => r.label)
        .join(' '),
    ).not.toMatch(/huyện/);
    expect(availableRoles(two).map((r) => r.label)).toEqual([
      'Cán bộ xã',
      'Lãnh đạo xã',
      'Cán bộ tỉnh',
      'Lãnh đạo tỉnh',
      'Thanh tra, giám sát (chỉ xem)',
      'Quản trị',
    ]);
    // the third demo commune is a ward (Phường An Lộc)
    const ward = {
      id: 1,
      username: 'x',
      role: 'leader' as const,
      level: 'commune' as const,
      unit: '90003',
      communes: ['90003'],
      displayName: null,
    };
    expect(userRoleLabel(ward, two)).toBe('Lãnh đạo phường');
    expect(roleLabel('staff', 'province')).toBe('Cán bộ tỉnh');
    const me = await env.api(tinh, 'GET', '/api/me');
    expect(me.body.user).toMatchObject({ role: 'staff', level: 'province', unit: '99', roleLabel: 'Cán bộ tỉnh' });
    expect(me.body.user.communes.map((c: { code: string }) => c.code)).toEqual(['90001', '90002']);
    const old = await env.api(await env.login('huyen'), 'GET', '/api/me');
    expect(old.body.user).toMatchObject({ role: 'inspector', roleLabel: 'Thanh tra, giám sát (chỉ xem)' });
  });

  it('migrates an existing database: the old district role becomes a read-only inspector, staff and leaders the commune level', () => {
    const file = join(tempDir('tt-migrate-'), 'console.sqlite');
    const db = new Database(file);
    db.exec(MIGRATIONS[0]);
    db.pragma('user_version = 1');
    const insert = db.prepare(
      "INSERT INTO users (username, password_hash, role, communes, created_at) VALUES (?, 'h', ?, ?, '2025-01-01')",
    );
    insert.run('cu-huyen', 'district', '["90001","90002"]');
    insert.run('cu-canbo', 'staff', '["90001"]');
    db.close();
    const migrated = openDb(file);
    const rows = migrated.prepare('SELECT username, role, level, unit, communes FROM users ORDER BY username').all();
    expect(rows).toEqual([
      { username: 'cu-canbo', role: 'staff', level: 'commune', unit: '90001', communes: '["90001"]' },
      { username: 'cu-huyen', role: 'inspector', level: null, unit: null, communes: '["90001","90002"]' },
    ]);
    migrated.close();
  });

  it('an inspector reads but can neither prepare, approve nor stop', async () => {
    expect((await env.api(inspector, 'POST', '/api/announcements', draft())).body.error.code).toBe('FORBIDDEN_ROLE');
    expect((await env.api(inspector, 'POST', '/api/stops', {})).body.error.code).toBe('FORBIDDEN_ROLE');
    expect((await env.api(inspector, 'GET', '/api/announcements')).status).toBe(200);
  });
});

describe('announcements from the province', () => {
  it('province staff prepare for chosen communes; only a province leader approves; it is signed with the province key on its own topic', async () => {
    const s1 = await env.speakerClient('xa1-ap1-loa');
    const s2 = await env.speakerClient('xa2-ap1-loa');
    const w1 = watch(s1, 'xa1-ap1-loa', 'xa1-ap1', '90001', 'schedule-province', { level: 'province', code: '99' });
    const w2 = watch(s2, 'xa2-ap1-loa', 'xa2-ap1', '90002', 'schedule-province', { level: 'province', code: '99' });
    await s1.subscribeAsync(topicFor('xa1-ap1-loa', 'schedule-province'), { qos: 1 });
    await s2.subscribeAsync(topicFor('xa2-ap1-loa', 'schedule-province'), { qos: 1 });
    // a hamlet outside the chosen communes is refused
    expect(
      (await env.api(tinh, 'POST', '/api/announcements', draft({ communes: ['90001'], hamlets: ['xa2-ap1'] }))).body
        .error.code,
    ).toBe('HAMLET_OTHER_COMMUNE');
    expect((await env.api(tinh, 'POST', '/api/announcements', draft({ communes: ['12345'] }))).body.error.code).toBe(
      'TARGETS_INVALID',
    );
    const created = await env.api(tinh, 'POST', '/api/announcements', draft({ communes: ['90001'] }));
    expect(created.status).toBe(201);
    expect(created.body.announcement).toMatchObject({ level: 'province', commune: '99', targets: ['90001'] });
    const id = created.body.id;
    await env.api(tinh, 'POST', `/api/announcements/${id}/submit`);
    // a commune leader (even of a targeted commune) cannot approve the province's announcement
    expect((await env.api(leader1, 'POST', `/api/announcements/${id}/approve`)).status).toBe(403);
    // the commune sees it (read only)
    expect((await env.api(staff1, 'GET', '/api/announcements')).body.items.map((a: { id: string }) => a.id)).toContain(
      id,
    );
    expect((await env.api(leader2, 'GET', `/api/announcements/${id}`)).status).toBe(403);
    expect((await env.api(tinhLeader, 'POST', `/api/announcements/${id}/approve`)).body.status).toBe('approved');
    const doc = await waitFor(
      () => w1.latest()?.items.some((i) => i.announcement === id) && w1.latest(),
      20_000,
      'province document',
    );
    expect(doc).toMatchObject({
      issuer: { level: 'province', code: '99' },
      commune: '90001',
      policy: { quietHours: { periods: [{ from: '21:00', to: '05:30' }] } },
    });
    expect(w2.docs.flatMap((d) => d.items.map((i) => i.announcement))).not.toContain(id);
  });

  it('refuses a non-emergency occurrence inside quiet hours with a Vietnamese message; shows the policy; a leader may change it', async () => {
    const night = draft({ hamlets: ['xa1-ap1'], schedule: { kind: 'once', at: `${tomorrow()}T22:15` } });
    const refused = await env.api(staff1, 'POST', '/api/announcements', night);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('QUIET_HOURS');
    expect(refused.body.error.message).toMatch(/giờ yên tĩnh \(21:00–05:30\) của Xã Tân Hội/);
    expect((await env.api(tinh, 'POST', '/api/announcements', { ...night, hamlets: 'all' })).body.error.code).toBe(
      'QUIET_HOURS',
    );
    const policy = await env.api(staff1, 'GET', '/api/policy');
    expect(policy.body.effective.quietHours.periods).toEqual([{ from: '21:00', to: '05:30' }]);
    // staff cannot change the policy; the commune leader can (to 23:00–05:00), then 22:15 is allowed
    const p = { quietHours: { periods: [{ from: '23:00', to: '05:00' }], exempt: ['emergency'] }, volumeCaps: [] };
    expect((await env.api(staff1, 'PUT', '/api/policy', { policy: p })).status).toBe(403);
    expect(
      (
        await env.api(leader1, 'PUT', '/api/policy', {
          policy: { quietHours: { periods: [{ from: '25:00', to: '05:00' }] } },
        })
      ).body.error.code,
    ).toBe('POLICY_INVALID');
    expect((await env.api(leader1, 'PUT', '/api/policy', { policy: p })).status).toBe(200);
    // the province's default still applies to the commune's speakers (strictest wins), so the console still refuses
    expect((await env.api(staff1, 'POST', '/api/announcements', night)).body.error.code).toBe('QUIET_HOURS');
    await env.api(tinhLeader, 'PUT', '/api/policy', { policy: p });
    const ok = await env.api(staff1, 'POST', '/api/announcements', night);
    expect(ok.status).toBe(201);
    await env.api(staff1, 'POST', `/api/announcements/${ok.body.id}/submit`);
    expect((await env.api(leader1, 'POST', `/api/announcements/${ok.body.id}/approve`)).body.status).toBe('approved');
  });

  it('stop now: a province leader over chosen communes, signed into the province document; only a province leader resumes', async () => {
    const s2 = await env.speakerClient('xa2-ap2-loa');
    const w = watch(s2, 'xa2-ap2-loa', 'xa2-ap2', '90002', 'schedule-province', { level: 'province', code: '99' });
    await s2.subscribeAsync(topicFor('xa2-ap2-loa', 'schedule-province'), { qos: 1 });
    expect((await env.api(tinh, 'POST', '/api/stops', { communes: ['90002'] })).status).toBe(403);
    expect(
      (await env.api(tinhLeader, 'POST', '/api/stops', { communes: ['90002'], until: '2020-01-01T00:00' })).body.error
        .code,
    ).toBe('UNTIL_INVALID');
    const stop = await env.api(tinhLeader, 'POST', '/api/stops', { communes: ['90002'] });
    expect(stop.status).toBe(201);
    const doc = await waitFor(() => w.latest()?.stop && w.latest(), 20_000, 'stop in the province document');
    expect(doc.stop).toMatchObject({ id: stop.body.id, until: null });
    expect((await env.api(leader2, 'POST', `/api/stops/${stop.body.id}/resume`)).status).toBe(403);
    expect(
      (await env.api(leader2, 'GET', '/api/stops')).body.items.find((s: { id: string }) => s.id === stop.body.id),
    ).toMatchObject({ active: true, communes: ['90002'] });
    expect((await env.api(tinhLeader, 'POST', `/api/stops/${stop.body.id}/resume`)).status).toBe(200);
    await waitFor(() => w.latest() && !w.latest()!.stop, 20_000, 'resumed');
    // a commune leader's stop covers their commune only, whatever they ask
    const own = await env.api(leader1, 'POST', '/api/stops', { communes: ['90002'] });
    expect(own.body.stop).toMatchObject({ level: 'commune', unit: '90001', targets: ['90001'] });
    await env.api(leader1, 'POST', `/api/stops/${own.body.id}/resume`);
    const audit = await env.api(tinhLeader, 'GET', '/api/audit');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['stop.now', 'stop.resume']),
    );
  });

  it('rolls delivery up per commune, hamlet and speaker, and lists the speakers behind the latest document with their last-seen time', async () => {
    const created = await env.api(tinhLeader, 'POST', '/api/emergency', {
      title: 'Bão số 9',
      text: 'Bão số chín đổ bộ, bà con vào nơi trú ẩn an toàn.',
      communes: ['90001', '90002'],
      hamlets: 'all',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const sp = await env.speakerClient('xa1-ap2-loa');
    const at = new Date().toISOString();
    const log = {
      v: 1 as const,
      id: randomUUID(),
      announcement: id,
      priority: 'emergency' as const,
      occurrence: created.body.announcement.schedule.at,
      outcome: 'played' as const,
      startedAt: at,
      endedAt: at,
    };
    await sp.publishAsync(topicFor('xa1-ap2-loa', 'broadcast-log'), encode('broadcast-log', log), { qos: 1 });
    await sp.publishAsync(
      topicFor('xa1-ap2-loa', 'schedule-status'),
      encode('schedule-status', {
        v: 1,
        active: 0,
        status: 'refused',
        reason: 'bad-signature',
        at,
        issuer: 'province',
        actives: { commune: 0, province: 0 },
      }),
      { qos: 1, retain: true },
    );
    const r = await waitFor(
      async () => {
        const res = await env.api(inspector, 'GET', `/api/rollup?announcement=${id}`);
        const c1 = res.body.communes?.find((c: { code: string }) => c.code === '90001');
        const speaker = c1?.hamlets.find((h: { id: string }) => h.id === 'xa1-ap2')?.speakers[0];
        return (
          c1?.counts.played === 1 &&
          speaker?.behind.some(
            (b: { level: string; status: string }) => b.level === 'province' && b.status === 'refused',
          ) &&
          res.body
        );
      },
      20_000,
      'roll-up',
    );
    expect(r.communes.map((c: { code: string }) => c.code)).toEqual(['90001', '90002']);
    const speaker = r.communes[0].hamlets.find((h: { id: string }) => h.id === 'xa1-ap2').speakers[0];
    expect(speaker).toMatchObject({ id: 'xa1-ap2-loa', counts: { played: 1, failed: 0, missed: 0 } });
    expect(speaker.behind.find((b: { level: string }) => b.level === 'province')).toMatchObject({
      status: 'refused',
      reason: 'bad-signature',
    });
    expect(speaker.lastSeen).toBeTruthy();
    expect(r.communes[1].counts).toEqual({ played: 0, failed: 0, missed: 0 });
  });

  it('previews per hamlet what will play, with the same expansion as the speaker, flagging overlaps', async () => {
    const res = await env.api(staff1, 'GET', `/api/preview?commune=90001&hours=72`);
    expect(res.status).toBe(200);
    const ap1 = res.body.hamlets.find((h: { hamlet: string }) => h.hamlet === 'xa1-ap1');
    const titles = ap1.entries.map((e: { title: string; issuer: string }) => `${e.issuer}:${e.title}`);
    expect(titles).toEqual(expect.arrayContaining(['province:Cảnh báo triều cường', 'commune:Cảnh báo triều cường']));
    // the commune's 22:15 one is allowed by the policy now in force (23:00–05:00): it plays
    expect(ap1.entries.find((e: { issuer: string }) => e.issuer === 'commune')).toMatchObject({ fate: 'plays' });
    expect(
      ap1.entries.every((e: { fate: string }) =>
        ['plays', 'quiet-hours', 'stopped', 'pushed-back', 'cut', 'busy'].includes(e.fate),
      ),
    ).toBe(true);
    expect((await env.api(leader2, 'GET', '/api/preview?commune=90001')).status).toBe(403);
  });
});
