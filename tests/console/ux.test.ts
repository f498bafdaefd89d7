import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Area } from '../../console/area.ts';
import { hamlets as validateHamlets } from '../../console/validate.ts';
import { ConsoleError } from '../../console/errors.ts';
import type { Registry } from '../../devices/registry/index.ts';
import { consoleEnv, nextYear, PASSWORD, waitFor, type Env } from './helpers.ts';
import { launchChromium, openConsole } from '../support/chromium.ts';

let env: Env;
let browser: Browser;
let staff: string, leader: string;
const Y = nextYear();
const body = (title: string, extra: Record<string, unknown> = {}) => ({
  title,
  text: `Nội dung ${title}.`,
  hamlets: ['xa1-ap1'],
  schedule: { kind: 'once', at: `${Y}-06-01T08:00` },
  ...extra,
});

beforeAll(async () => {
  // small audio limits, so that speaking a long text exceeds them quickly
  env = await consoleEnv({ audio: { maxBytes: 400_000, maxDurationS: 900 } });
  [staff, leader] = await Promise.all([env.login('canbo1'), env.login('lanhdao1')]);
  browser = await launchChromium(['--lang=en-US']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function loggedIn(username: string): Promise<{ page: Page; errors: string[] }> {
  // an American-English browser: the date fields must still be dd/mm/yyyy and 24-hour
  const errors: string[] = [];
  const page = await openConsole(browser, env.console.url, username, PASSWORD, {
    context: { locale: 'en-US', timezoneId: 'America/New_York' },
    beforeLoad: (p) => p.on('pageerror', (e) => errors.push(e.message)),
  });
  return { page, errors };
}

describe('messages in the person’s terms', () => {
  it('a long text that is too long to speak says so, not "Tệp âm thanh quá lớn"', async () => {
    const text = Array.from({ length: 420 }, (_, i) => `${i + 1}/${(i % 12) + 1}/2027`)
      .join(' ')
      .slice(0, 5000);
    const r = await env.api(staff, 'POST', '/api/announcements', body('Dài', { text }));
    expect([r.status, r.body.error.code]).toEqual([400, 'SPEECH_TOO_LONG']);
    expect(r.body.error.message).not.toMatch(/Tệp âm thanh/);
    expect(r.body.error.message).toMatch(/văn bản/);
  }, 120_000);

  it('a blank time says to choose one, without a format code', async () => {
    const once = await env.api(
      staff,
      'POST',
      '/api/announcements',
      body('Trống giờ', { schedule: { kind: 'once', at: '' } }),
    );
    expect(once.body.error.code).toBe('SCHEDULE_TIME_MISSING');
    expect(once.body.error.message).not.toMatch(/YYYY|HH:mm|must/);
    const daily = await env.api(
      staff,
      'POST',
      '/api/announcements',
      body('Trống giờ', { schedule: { kind: 'daily', time: '', from: `${Y}-01-01`, to: `${Y}-01-31` } }),
    );
    expect(daily.body.error.message).toMatch(/giờ phát/);
    const bad = await env.api(
      staff,
      'POST',
      '/api/announcements',
      body('Sai giờ', { schedule: { kind: 'once', at: '31/02' } }),
    );
    expect(bad.body.error.message).toMatch(/ngày\/tháng\/năm/);
  });

  it('a hamlet with no speaker is refused by name instead of waiting "chờ phát" for ever', () => {
    const registry = {
      communes: new Map([
        [
          '90001',
          {
            commune: {
              code: '90001',
              name: 'Xã Thử',
              hamlets: [
                { id: 'ap-co-loa', name: 'Ấp Có Loa' },
                { id: 'ap-khong-loa', name: 'Ấp Không Loa' },
              ],
              devices: [{ id: 'ap-co-loa-loa', kind: 'speaker', hamlet: 'ap-co-loa' }],
            },
          },
        ],
      ]),
      device: () => undefined,
    } as unknown as Registry;
    const ctx = { area: new Area(registry), commune: '90001' };
    expect(validateHamlets(['ap-co-loa'], ctx)).toEqual(['ap-co-loa']);
    let err: unknown;
    try {
      validateHamlets(['ap-co-loa', 'ap-khong-loa'], ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConsoleError);
    expect((err as ConsoleError).code).toBe('HAMLET_NO_SPEAKER');
    expect((err as ConsoleError).message).toContain('Ấp Không Loa');
  });

  it('one occurrence played with repeats = 2 counts as one turn, two readings', async () => {
    const id = (await env.api(staff, 'POST', '/api/announcements', body('Lặp hai lần', { repeats: 2 }))).body.id;
    env.console.feedback.log('xa1-ap1-loa', 'xa1-ap1', {
      v: 1,
      id: randomUUID(),
      announcement: id,
      priority: 'normal',
      occurrence: `${Y}-06-01T01:00:00.000Z`,
      outcome: 'played',
    });
    const d = (await env.api(staff, 'GET', `/api/announcements/${id}`)).body.announcement.delivery[0];
    expect(d.counts).toMatchObject({ played: 1, timesSpoken: 2 });
  });
});

describe('the console in Chromium', () => {
  it('"Tạo thông báo" and "Phát khẩn cấp" open without a script error', async () => {
    const { page, errors } = await loggedIn('lanhdao1');
    await page.click('#tabs button[data-view=form-view]');
    await page.waitForSelector('#form-view:not([hidden])');
    await page.click('#tabs button[data-view=emergency-view]');
    await page.waitForSelector('#emergency-view:not([hidden])');
    await page.fill('#emergency-form [name=title]', 'Mất điện diện rộng');
    await page.fill('#emergency-form [name=text]', 'Điện lực thông báo mất điện toàn xã từ 14 giờ.');
    await page.click('#emergency-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=approved]');
    // the leader changes it: the new text replaces it on the air
    await page.getByRole('button', { name: 'Thay nội dung khẩn cấp' }).click();
    // the form is filled by the view once it has rendered, after the click has returned
    await page.waitForFunction(
      () => (document.querySelector('#emergency-form [name=title]') as HTMLInputElement | null)?.value !== '',
    );
    expect(await page.inputValue('#emergency-form [name=title]')).toBe('Mất điện diện rộng');
    await page.fill('#emergency-form [name=text]', 'Điện lực thông báo mất điện toàn xã từ 15 giờ.');
    await page.click('#emergency-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#detail-info')?.textContent?.includes('15 giờ'));
    const all = env.console.store.announcements.list(null).filter((x) => x.title === 'Mất điện diện rộng');
    expect(all.map((x) => x.status).sort()).toEqual(['approved', 'stopped']);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('dates are typed and shown dd/mm/yyyy with 24-hour time in an English browser; required fields are marked; the error banner goes after the fix', async () => {
    const { page, errors } = await loggedIn('canbo1');
    await page.click('#tabs button[data-view=form-view]');
    // the bundled calendar is attached to the date fields
    expect(await page.locator('.flatpickr-calendar').count()).toBeGreaterThan(0);
    const marked = await page.$$eval('#ann-form .req', (els) =>
      els.map((e) => getComputedStyle(e, '::before').content),
    );
    expect(marked.length).toBeGreaterThanOrEqual(4);
    expect(marked.every((c) => c.includes('*'))).toBe(true);

    await page.fill('#ann-form [name=title]', 'Họp dân cuối năm');
    await page.fill('#ann-form [name=text]', 'Mời bà con dự họp dân cuối năm tại nhà văn hóa.');
    await page.selectOption('#ann-form [name=kind]', 'once');
    await page.click('#ann-form button[type=submit]');
    await page.waitForSelector('#message:not([hidden])');
    expect(await page.textContent('#message')).toContain('Chưa chọn thời gian phát');

    await page.fill('#ann-form [name=at]', `05/09/${Y} 19:30`);
    await page.keyboard.press('Escape');
    await page.click('#form-heading'); // closes the calendar
    await page.click('#ann-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=draft]');
    expect(await page.textContent('#message')).not.toContain('Chưa chọn');
    const a = env.console.store.announcements.list(null).find((x) => x.title === 'Họp dân cuối năm')!;
    expect(a.schedule).toEqual({ kind: 'once', at: `${Y}-09-05T19:30` });

    // the edit form shows it back the Vietnamese way
    await page.getByRole('button', { name: 'Sửa' }).click();
    expect(await page.inputValue('#ann-form [name=at]')).toBe(`05/09/${Y} 19:30`);
    // a draft that never played offers no "Dừng phát"
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('no "Dừng phát" on an item that never played; the audit shows titles and names', async () => {
    const id = (await env.api(staff, 'POST', '/api/announcements', body('Kiểm tra nút dừng'))).body.id;
    await env.api(staff, 'POST', `/api/announcements/${id}/submit`);
    const { page } = await loggedIn('lanhdao1');
    await page.locator('#list-controls [name=title-filter]').fill('Kiểm tra nút dừng');
    await page.locator('#list-table tbody tr', { hasText: 'Kiểm tra nút dừng' }).click();
    await page.waitForSelector('#detail-info[data-status=submitted]');
    expect(await page.getByRole('button', { name: 'Dừng phát' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Duyệt', exact: true }).click();
    await page.waitForSelector('#detail-info[data-status=approved]');
    // approved, nothing played yet: a cancellation, not "Dừng phát"
    expect(await page.getByRole('button', { name: 'Dừng phát' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Hủy lịch phát' }).count()).toBe(1);

    await page.click('#tabs button[data-view=audit-view]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length > 0);
    const rows = await page.$$eval('#audit-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const approveRow = rows.find((r) => r[2] === 'Duyệt' && r[3].includes('Kiểm tra nút dừng'))!;
    expect(approveRow[3]).toBe('«Kiểm tra nút dừng»');
    expect(rows.some((r) => r[3].includes(id))).toBe(false);
    await page.context().close();
  });

  // 45 announcements: the first is synthesized and loudness-normalized, the others reuse its audio (no ffmpeg each)
  it('the list pages 20 at a time and filters by status and title', { timeout: 240_000 }, async () => {
    const first = await env.api(staff, 'POST', '/api/announcements', body('Thông báo số 1'));
    const audio = first.body.announcement.audio.sha256 as string;
    for (let i = 1; i < 45; i++)
      await env.api(staff, 'POST', '/api/announcements', body(`Thông báo số ${i + 1}`, { text: undefined, audio }));
    // at least one approved, whatever ran before
    await env.api(staff, 'POST', `/api/announcements/${first.body.id}/submit`);
    await env.api(leader, 'POST', `/api/announcements/${first.body.id}/approve`);
    const { page } = await loggedIn('canbo1');
    await page.waitForFunction(() => document.querySelectorAll('#list-table tbody tr').length === 20);
    expect(await page.textContent('#list-controls .page-info')).toMatch(/^Trang 1\/\d+/);
    await page.getByRole('button', { name: 'Trang sau ›' }).click();
    expect(await page.textContent('#list-controls .page-info')).toMatch(/^Trang 2\//);
    await page.locator('#list-controls [name=title-filter]').fill('số 4');
    // "số 4", "số 40".."số 45"
    await waitFor(async () => (await page.$$('#list-table tbody tr')).length === 7, 10_000, 'filtered rows');
    await page.locator('#list-controls [name=title-filter]').fill('');
    await page.selectOption('#list-controls [name=status-filter]', 'approved');
    await waitFor(
      async () =>
        (await page.$$eval('#list-table tbody tr .status', (tds) => tds.map((t) => t.textContent))).every(
          (t) => t === 'Đã duyệt',
        ),
      10_000,
      'approved only',
    );
    await page.context().close();
  });

  it('locking an account asks first; a refusal leaves it active; "Mở khóa" reopens it', async () => {
    const { page } = await loggedIn('quantri');
    page.removeAllListeners('dialog');
    let answer = false;
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void (answer ? d.accept() : d.dismiss());
    });
    await page.click('#tabs button[data-view=users-view]');
    const row = page.locator('#users-table tbody tr[data-username=canbo2]');
    await row.getByRole('button', { name: 'Khóa' }).click();
    expect(asked[0]).toContain('canbo2');
    expect(env.console.store.users.byUsername('canbo2')!.disabled).toBe(false);
    answer = true;
    await row.getByRole('button', { name: 'Khóa' }).click();
    await row.getByRole('button', { name: 'Mở khóa' }).waitFor();
    expect(env.console.store.users.byUsername('canbo2')!.disabled).toBe(true);
    await row.getByRole('button', { name: 'Mở khóa' }).click();
    await row.getByRole('button', { name: 'Khóa' }).waitFor();
    expect(env.console.store.users.byUsername('canbo2')!.disabled).toBe(false);
    await page.context().close();
  });
});

describe('device health wording', () => {
  it('"đang hoạt động" beside a low 7-day uptime comes with an explanation', async () => {
    const { uptimeNote } = await import('../../console/http/device-routes.ts');
    expect(uptimeNote(true, 0.001)).toMatch(
      /^Đang kết nối lúc này, nhưng chỉ hoạt động 0,1 % thời gian trong 7 ngày qua/,
    );
    expect(uptimeNote(true, 0.98)).toBeNull();
    expect(uptimeNote(false, 0.001)).toBeNull();
  });
});
