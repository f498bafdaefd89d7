import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMp3 } from '../../console/audio/mp3.ts';
import { makeWav } from '../../console/audio/wav.ts';
import { consoleEnv, nextYear, type Env } from './helpers.ts';

let env: Env;
let staff: string;
const year = nextYear();
const valid = () => ({
  title: 'Họp dân ấp Tân Hòa',
  text: 'Kính mời bà con đến dự họp lúc 19 giờ tối nay.',
  hamlets: ['xa1-ap1', 'xa1-ap2'],
  schedule: { kind: 'weekly', weekdays: [1, 3, 5], time: '18:30', from: `${year}-01-01`, to: `${year}-01-31` },
  repeats: 2,
  volume: 70,
  priority: 'normal',
});

beforeAll(async () => {
  env = await consoleEnv({ audio: { maxBytes: 400_000, maxDurationS: 10 } });
  staff = await env.login('canbo1');
});

/** the refusal leaves no announcement, no audit entry and no audio file behind */
async function refusedCleanly(body: unknown, code: string, status: number) {
  const before = {
    list: (await env.api(staff, 'GET', '/api/announcements')).body.items.length,
    audit: (await env.api(staff, 'GET', '/api/audit')).body.items.length,
    files: readdirSync(join(env.dataDir, 'audio')).length,
  };
  const r = await env.api(staff, 'POST', '/api/announcements', body);
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.message).toMatch(/[àáảãạăâđèéêìíòóôơùúưỳýạ]/i); // Vietnamese, with diacritics
  expect((await env.api(staff, 'GET', '/api/announcements')).body.items.length).toBe(before.list);
  expect((await env.api(staff, 'GET', '/api/audit')).body.items.length).toBe(before.audit);
  expect(readdirSync(join(env.dataDir, 'audio')).length).toBe(before.files);
}

describe('bad input is refused with a clear Vietnamese message and nothing half-saved', () => {
  it('the valid request is accepted (control)', async () => {
    const r = await env.api(staff, 'POST', '/api/announcements', valid());
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('draft');
  });

  it('empty text, empty title, no content', async () => {
    await refusedCleanly({ ...valid(), text: '   ' }, 'TEXT_EMPTY', 400);
    await refusedCleanly({ ...valid(), title: '' }, 'TITLE_EMPTY', 400);
    await refusedCleanly({ ...valid(), text: undefined }, 'CONTENT_MISSING', 400);
  });

  it('past dates', async () => {
    await refusedCleanly({ ...valid(), schedule: { kind: 'once', at: '2020-05-01T08:00' } }, 'SCHEDULE_PAST', 400);
    await refusedCleanly(
      { ...valid(), schedule: { kind: 'daily', time: '06:00', from: '2020-01-01', to: '2020-02-01' } },
      'SCHEDULE_PAST',
      400,
    );
  });

  it('unknown hamlets and another commune’s hamlets', async () => {
    await refusedCleanly({ ...valid(), hamlets: ['xa1-ap1', 'khong-ton-tai'] }, 'HAMLET_UNKNOWN', 400);
    await refusedCleanly({ ...valid(), hamlets: ['xa2-ap1'] }, 'HAMLET_OTHER_COMMUNE', 403);
    await refusedCleanly({ ...valid(), hamlets: [] }, 'HAMLETS_EMPTY', 400);
  });

  it('volume, repeats, priority and malformed bodies', async () => {
    await refusedCleanly({ ...valid(), volume: 150 }, 'VOLUME_INVALID', 400);
    await refusedCleanly({ ...valid(), repeats: 0 }, 'REPEATS_INVALID', 400);
    await refusedCleanly({ ...valid(), priority: 'urgent' }, 'PRIORITY_INVALID', 400);
    await refusedCleanly([1, 2], 'INVALID_INPUT', 400);
    const r = await fetch(`${env.console.url}/api/announcements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(r.status).toBe(400);
    expect((await r.json()).error.code).toBe('INVALID_INPUT');
  });

  it('an audio hash that was never uploaded', async () => {
    await refusedCleanly({ ...valid(), text: undefined, audio: 'b'.repeat(64) }, 'AUDIO_UNKNOWN', 400);
  });

  it('uploads: oversize, non-audio, too long refused; a valid mp3 accepted and served by its hash', async () => {
    const upload = async (bytes: Buffer, name: string) => {
      const fd = new FormData();
      fd.append('file', new Blob([new Uint8Array(bytes)]), name);
      return env.api(staff, 'POST', '/api/audio', fd);
    };
    const files = () => readdirSync(join(env.dataDir, 'audio')).length;
    const n = files();
    const big = await upload(makeWav(new Int16Array(250_000)), 'to.wav'); // 500 kB > 400 kB
    expect([big.status, big.body.error.code]).toEqual([413, 'AUDIO_TOO_LARGE']);
    const fake = await upload(Buffer.from('<html>not audio</html>'), 'loa.mp3');
    expect([fake.status, fake.body.error.code]).toEqual([415, 'AUDIO_NOT_AUDIO']);
    const long = await upload(makeWav(new Int16Array(8000 * 12), 8000), 'dai.wav'); // 12 s > 10 s
    expect([long.status, long.body.error.code]).toEqual([400, 'AUDIO_TOO_LONG']);
    expect(files()).toBe(n);
    const ok = await upload(makeMp3(200), 'thong-bao.mp3');
    expect(ok.status).toBe(200);
    // what is stored is the normalized re-encoding (mono MP3), of the same length give or take encoder padding
    expect(ok.body.audio.mime).toBe('audio/mpeg');
    expect(ok.body.audio.durationS).toBeCloseTo(5.224, 0);
    const served = await fetch(`${env.console.url}/audio/${ok.body.audio.sha256}`);
    expect(served.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ok.body.audio.sha256);
    expect(bytes.equals(makeMp3(200))).toBe(false);
    const created = await env.api(staff, 'POST', '/api/announcements', {
      ...valid(),
      text: undefined,
      audio: ok.body.audio.sha256,
    });
    expect(created.status).toBe(201);
    expect(created.body.announcement.audio).toMatchObject({ sha256: ok.body.audio.sha256, mime: 'audio/mpeg' });
  });

  it('no session, wrong password, unknown route: coded refusals', async () => {
    const anon = await env.api(null, 'GET', '/api/announcements');
    expect([anon.status, anon.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const wrong = await env.api(null, 'POST', '/api/session', { username: 'canbo1', password: 'sai-mat-khau' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'BAD_CREDENTIALS']);
    const unknown = await env.api(null, 'POST', '/api/session', { username: 'khong-co', password: 'sai-mat-khau' });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'BAD_CREDENTIALS']);
    const route = await env.api(staff, 'GET', '/api/khong-co');
    expect([route.status, route.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('locks a name after repeated wrong passwords, even for the right one, and counts it', async () => {
    // three free failures, then a doubling wait per name and address: the right password right after is refused
    for (let i = 0; i < 5; i++) await env.api(null, 'POST', '/api/session', { username: 'huyen', password: `sai${i}` });
    const locked = await env.api(null, 'POST', '/api/session', { username: 'huyen', password: 'mat-khau-thu-nghiem' });
    expect([locked.status, locked.body.error.code]).toEqual([429, 'LOGIN_LOCKED']);
    expect(env.console.users.stats.loginsLocked).toBeGreaterThan(0);
    // another name is not affected
    expect(
      (await env.api(null, 'POST', '/api/session', { username: 'lanhdao1', password: 'mat-khau-thu-nghiem' })).status,
    ).toBe(200);
  });
});
