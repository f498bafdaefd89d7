import { beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDocument } from '../../devices/contract/index.ts';
import { verifyAreaOrder } from '../../devices/schedule-signature.ts';
import { areaTopic } from '../../devices/topics.ts';
import { consoleEnv, PASSWORD, scheduleReader, waitFor, type Env } from './helpers.ts';

let env: Env;
let staff: string, leader: string, secondLeader: string;
const SPEAKER = 'xa1-ap1-loa';
const docs: ScheduleDocument[] = [];

const body = (title = 'Lịch tiêm chủng') => ({
  title,
  text: 'Trạm y tế tiêm chủng mở rộng sáng thứ Hai.',
  hamlets: ['xa1-ap1'],
  schedule: { kind: 'once', at: `${tomorrowInVietnam()}T07:00` },
});
function tomorrowInVietnam(): string {
  return new Date(Date.now() + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
}
/** ids of the announcements in the latest schedule the speaker holds, once the console is idle */
async function onAir(): Promise<string[]> {
  await env.console.publisher.idle();
  const latestVersion = env.console.store.speakers.get(SPEAKER)!.version;
  const doc = await waitFor(
    () => docs.find((d) => d.version === latestVersion),
    20_000,
    `schedule version ${latestVersion}`,
  );
  return doc.items.map((i) => i.announcement);
}

/** ids of the emergencies the commune's area emergency order holds for the speaker's hamlet (verified with the commune key) */
async function emergenciesOnAir(): Promise<string[]> {
  await env.console.publisher.idle();
  const held = env.console.store.signedDocuments.get(areaTopic('emergency', 'commune', '90001'));
  if (!held) return [];
  const r = verifyAreaOrder(
    'emergency',
    JSON.parse(held.payload.toString()),
    env.console.keys.get('90001')!.publicKeyPem,
    {
      issuer: { level: 'commune', code: '90001' },
      minVersion: 1,
    },
  );
  if (!r.ok) throw new Error(`the area emergency order does not verify: ${r.reason}`);
  return r.order.items.filter((i) => i.hamlets === 'all' || i.hamlets.includes('xa1-ap1')).map((i) => i.announcement);
}

beforeAll(async () => {
  env = await consoleEnv();
  await env.console.users.create(
    { username: 'phochutich1', password: PASSWORD, role: 'leader', communes: ['90001'] },
    'test',
  );
  [staff, leader, secondLeader] = await Promise.all(['canbo1', 'lanhdao1', 'phochutich1'].map((u) => env.login(u)));
  await scheduleReader(env, SPEAKER, docs);
});

describe('edits of approved and emergency announcements', () => {
  it('a staff edit of an approved announcement does not take it off the air; the revision replaces it once approved', async () => {
    const id = (await env.api(staff, 'POST', '/api/announcements', body())).body.id;
    await env.api(staff, 'POST', `/api/announcements/${id}/submit`);
    expect((await env.api(leader, 'POST', `/api/announcements/${id}/approve`)).body.status).toBe('approved');
    expect(await onAir()).toContain(id);

    const edit = await env.api(staff, 'PUT', `/api/announcements/${id}`, { ...body(), volume: 55 });
    expect(edit.status).toBe(200);
    expect(edit.body.announcement).toMatchObject({ status: 'draft', revisionOf: id, volume: 55 });
    const rev = edit.body.id as string;
    expect(rev).not.toBe(id);
    expect((await env.api(staff, 'GET', `/api/announcements/${id}`)).body.status).toBe('approved');
    expect(await onAir()).toEqual([id]);
    // one pending revision at a time
    expect((await env.api(staff, 'PUT', `/api/announcements/${id}`, body())).body.error.code).toBe('STATE_CONFLICT');

    await env.api(staff, 'POST', `/api/announcements/${rev}/submit`);
    expect((await env.api(leader, 'POST', `/api/announcements/${rev}/approve`)).body.status).toBe('approved');
    expect((await env.api(staff, 'GET', `/api/announcements/${id}`)).body.status).toBe('stopped');
    expect(await onAir()).toEqual([rev]);
    const audit = (await env.api(leader, 'GET', `/api/audit?target=${id}`)).body.items;
    expect(audit[0]).toMatchObject({
      action: 'supersede',
      username: 'lanhdao1',
      after: { status: 'stopped', by: rev },
    });
    await env.api(leader, 'POST', `/api/announcements/${rev}/stop`);
  });

  it("staff can neither change nor end the leader's emergency", async () => {
    const em = await env.api(leader, 'POST', '/api/emergency', {
      title: 'Lũ quét',
      text: 'Bà con vùng trũng di chuyển lên chỗ cao ngay.',
      hamlets: ['xa1-ap1'],
    });
    expect(em.status).toBe(201);
    const id = em.body.id as string;
    expect(await emergenciesOnAir()).toContain(id);
    // it travels in the commune's one area order, not in each speaker's own document
    expect(await onAir()).not.toContain(id);
    const edit = await env.api(staff, 'PUT', `/api/announcements/${id}`, {
      ...body('Lũ quét (sửa)'),
      priority: 'normal',
    });
    expect([edit.status, edit.body.error.code]).toEqual([403, 'EMERGENCY_LEADER_ONLY']);
    expect((await env.api(staff, 'POST', `/api/announcements/${id}/stop`)).body.error.code).toBe('FORBIDDEN_ROLE');
    expect((await env.api(staff, 'GET', `/api/announcements/${id}`)).body.status).toBe('approved');
    expect(await emergenciesOnAir()).toContain(id);
    // one leader alone, and the audit trail says so
    const audit = (await env.api(leader, 'GET', `/api/audit?target=${id}`)).body.items;
    expect(audit[0]).toMatchObject({ action: 'emergency', after: { approval: 'single-leader-emergency' } });
    // the leader changes it: a new emergency replaces it on the air at once
    const changed = await env.api(leader, 'PUT', `/api/announcements/${id}`, {
      title: 'Lũ quét (cập nhật)',
      text: 'Nước đã rút ở ấp Một; bà con vùng trũng vẫn ở chỗ cao.',
      hamlets: ['xa1-ap1'],
    });
    expect(changed.body.announcement).toMatchObject({ status: 'approved', priority: 'emergency', revisionOf: id });
    expect((await env.api(staff, 'GET', `/api/announcements/${id}`)).body.status).toBe('stopped');
    expect(await emergenciesOnAir()).toEqual([changed.body.id]);
    expect((await env.api(staff, 'PUT', `/api/announcements/${changed.body.id}`, body())).body.error.code).toBe(
      'EMERGENCY_LEADER_ONLY',
    );
    expect((await env.api(leader, 'POST', `/api/announcements/${changed.body.id}/stop`)).body.status).toBe('stopped');
    expect(await emergenciesOnAir()).not.toContain(changed.body.id);
  });

  it('two-person rule: nothing unsubmitted is approved, and no leader approves what they wrote', async () => {
    const draft = (await env.api(staff, 'POST', '/api/announcements', body('Chưa gửi'))).body.id;
    expect((await env.api(leader, 'POST', `/api/announcements/${draft}/approve`)).body.error.code).toBe(
      'NOT_SUBMITTED',
    );
    const own = (await env.api(leader, 'POST', '/api/announcements', body('Lãnh đạo tự soạn'))).body.id;
    await env.api(leader, 'POST', `/api/announcements/${own}/submit`);
    const self = await env.api(leader, 'POST', `/api/announcements/${own}/approve`);
    expect([self.status, self.body.error.code]).toEqual([403, 'SELF_APPROVAL']);
    expect((await env.api(secondLeader, 'POST', `/api/announcements/${own}/approve`)).body.status).toBe('approved');
    // a leader who edited staff's draft may not approve it either
    await env.api(leader, 'PUT', `/api/announcements/${draft}`, { ...body('Chưa gửi'), volume: 90 });
    await env.api(staff, 'POST', `/api/announcements/${draft}/submit`);
    expect((await env.api(leader, 'POST', `/api/announcements/${draft}/approve`)).body.error.code).toBe(
      'SELF_APPROVAL',
    );
  });
});
