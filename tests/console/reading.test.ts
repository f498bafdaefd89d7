import { beforeAll, describe, expect, it } from 'vitest';
import { canReadDrafts, canReadLoginAudit, canReadRejectReasons, canReadUserAudit } from '../../console/access.ts';
import { makeMp3 } from '../../console/audio/mp3.ts';
import type { Role, User } from '../../console/model.ts';
import { consoleEnv, nextYear, type Env } from './helpers.ts';

let env: Env;
let staff: string, leader: string, district: string, otherStaff: string, admin: string;
const ids: Record<string, string> = {};
const body = (title: string) => ({
  title,
  text: `Nội dung ${title}.`,
  hamlets: ['xa1-ap1'],
  schedule: { kind: 'once', at: `${nextYear()}-06-01T08:00` },
});
const user = (role: string): User => ({
  id: 1,
  username: 'u',
  role: role as Role,
  communes: ['90001'],
  displayName: null,
});

beforeAll(async () => {
  env = await consoleEnv();
  [staff, leader, district, otherStaff, admin] = await Promise.all(
    ['canbo1', 'lanhdao1', 'huyen', 'canbo2', 'quantri'].map((u) => env.login(u)),
  );
  ids.draft = (await env.api(staff, 'POST', '/api/announcements', body('Bản nháp'))).body.id;
  ids.rejected = (await env.api(staff, 'POST', '/api/announcements', body('Bị từ chối'))).body.id;
  await env.api(staff, 'POST', `/api/announcements/${ids.rejected}/submit`);
  await env.api(leader, 'POST', `/api/announcements/${ids.rejected}/reject`, { reason: 'Sai tên thôn' });
  ids.approved = (await env.api(staff, 'POST', '/api/announcements', body('Đã duyệt'))).body.id;
  await env.api(staff, 'POST', `/api/announcements/${ids.approved}/submit`);
  await env.api(leader, 'POST', `/api/announcements/${ids.approved}/approve`);
});

describe('what each role may read', () => {
  it('capabilities: full readers, read-only roles, and roles not yet known', () => {
    expect(['staff', 'leader', 'admin', 'district', 'inspector'].map((r) => canReadDrafts(user(r)))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(['staff', 'leader', 'admin', 'district', 'inspector'].map((r) => canReadRejectReasons(user(r)))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(['staff', 'leader', 'admin', 'district', 'inspector'].map((r) => canReadLoginAudit(user(r)))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect(['staff', 'leader', 'admin', 'district'].map((r) => canReadUserAudit(user(r)))).toEqual([
      false,
      false,
      true,
      false,
    ]);
  });

  it('the read-only role sees what went on the air, not drafts, rejection reasons or logins', async () => {
    const list = (await env.api(district, 'GET', '/api/announcements')).body.items as Array<{
      id: string;
      status: string;
      rejectReason: string | null;
    }>;
    expect(list.map((a) => a.id)).toEqual([ids.approved]);
    expect((await env.api(district, 'GET', `/api/announcements/${ids.draft}`)).body.error.code).toBe('NOT_FOUND');
    expect((await env.api(district, 'GET', `/api/announcements/${ids.rejected}`)).body.error.code).toBe('NOT_FOUND');
    expect((await env.api(district, 'GET', `/api/announcements/${ids.approved}`)).body.status).toBe('approved');
    const audit = (await env.api(district, 'GET', '/api/audit')).body.items as Array<{ action: string; after: any }>;
    expect(new Set(audit.map((e) => e.action))).toEqual(new Set(['approve']));
    expect(JSON.stringify(audit)).not.toContain('Sai tên thôn');

    // staff see their commune's work, with reasons, but not who logged in; the leader does
    const staffList = (await env.api(staff, 'GET', '/api/announcements')).body.items as Array<{
      id: string;
      rejectReason: string | null;
    }>;
    expect(staffList.find((a) => a.id === ids.rejected)!.rejectReason).toBe('Sai tên thôn');
    expect(
      (await env.api(staff, 'GET', '/api/audit')).body.items.some((e: { action: string }) => e.action === 'login'),
    ).toBe(false);
    expect(
      (await env.api(leader, 'GET', '/api/audit')).body.items.some((e: { action: string }) => e.action === 'login'),
    ).toBe(true);
    expect(
      (await env.api(admin, 'GET', '/api/audit')).body.items.some(
        (e: { action: string }) => e.action === 'user.create',
      ),
    ).toBe(true);
  });

  it("a staff account cannot use another commune's uploaded audio by its hash", async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(makeMp3(300))], { type: 'audio/mpeg' }), 'loa.mp3');
    const up = await env.api(staff, 'POST', '/api/audio', form);
    expect(up.status).toBe(200);
    const { text: _t, ...noText } = body('Dùng tệp xã khác');
    const other = await env.api(otherStaff, 'POST', '/api/announcements', {
      ...noText,
      hamlets: ['xa2-ap1'],
      audio: up.body.audio.sha256,
    });
    expect([other.status, other.body.error.code]).toEqual([400, 'AUDIO_UNKNOWN']);
    const own = await env.api(staff, 'POST', '/api/announcements', { ...noText, audio: up.body.audio.sha256 });
    expect(own.status).toBe(201);
  });
});
