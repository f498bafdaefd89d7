import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from '../support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vnDate } from '../../devices/time/vietnam.ts';
import { consoleEnv, PASSWORD, waitFor, type Env } from './helpers.ts';

/**
 * The broadcasting pages in Chromium: the relay ("tiếp sóng") form on the province's approved stations, the
 * province emergency form's commune chooser, and the volume caps per period of the quiet-hours policy.
 */
let env: Env;
let browser: Browser;

beforeAll(async () => {
  env = await consoleEnv();
  await env.console.users.create(
    { username: 'tinh-ld', password: PASSWORD, role: 'leader', level: 'province' },
    'test',
  );
  browser = await launchChromium(['--lang=en-US']);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function open(username: string): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(env.console.url);
  await signIn(page, username, PASSWORD);
  return page;
}

const dmy = (iso: string) => iso.split('-').reverse().join('/');

describe('broadcasting pages', () => {
  it('the province approves a station; staff schedule a daily relay of it, typed dd/mm/yyyy', async () => {
    const admin = await open('quantri');
    await admin.click('#tabs button[data-view=relay-view]');
    await admin.fill('#station-form [name=name]', 'Đài Tiếng nói Việt Nam VOV1');
    await admin.fill('#station-form [name=url]', 'http://127.0.0.1:8000/vov1.mp3');
    await admin.click('#station-form button[type=submit]');
    await admin.waitForSelector('#stations-table tr[data-station]');
    await admin.context().close();

    const page = await open('canbo1');
    await page.click('#tabs button[data-view=relay-view]');
    await page.waitForSelector('#relay-form');
    await page.fill('#relay-form [name=title]', 'Tiếp sóng thời sự buổi tối');
    await page.fill('#relay-form [name=durationMin]', '30');
    await page.selectOption('#relay-form [name=kind]', 'daily');
    const from = vnDate(Date.now() + 86_400_000),
      to = vnDate(Date.now() + 5 * 86_400_000);
    await page.fill('#relay-form [name=time]', '19:00');
    await page.fill('#relay-form [name=from]', dmy(from));
    await page.fill('#relay-form [name=to]', dmy(to));
    await page.keyboard.press('Escape');
    await page.click('#relay-form h3');
    await page.click('#relay-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=draft]');
    expect(await page.textContent('#detail-info')).toContain('Tiếp sóng Đài Tiếng nói Việt Nam VOV1 (30 phút)');
    expect(await page.textContent('#detail-info')).toContain(`từ ${dmy(from)} đến ${dmy(to)}`);
    const a = env.console.store.announcements.list(null).find((x) => x.title === 'Tiếp sóng thời sự buổi tối')!;
    expect(a.source).toMatchObject({ kind: 'relay', stationName: 'Đài Tiếng nói Việt Nam VOV1', durationS: 1800 });
    expect(a.schedule).toEqual({ kind: 'daily', time: '19:00', from, to });
    await page.context().close();
  }, 120_000);

  it('the province revokes a station from its row, after a confirmation in Vietnamese', async () => {
    const admin = await open('quantri');
    const dialogs: string[] = [];
    let accept = false;
    admin.removeAllListeners('dialog');
    admin.on('dialog', (d) => {
      dialogs.push(d.message());
      void (accept ? d.accept() : d.dismiss());
    });
    await admin.click('#tabs button[data-view=relay-view]');
    await admin.fill('#station-form [name=name]', 'Đài Phát thanh tỉnh Vĩnh Long');
    await admin.fill('#station-form [name=url]', 'http://127.0.0.1:8000/vinh-long.mp3');
    await admin.click('#station-form button[type=submit]');
    const row = '#stations-table tr:has-text("Đài Phát thanh tỉnh Vĩnh Long")';
    await admin.waitForSelector(`${row} button.revoke-station`);
    const id = (await admin.getAttribute(row, 'data-station'))!;
    // cancelled: nothing happens
    await admin.click(`${row} button.revoke-station`);
    await waitFor(() => dialogs.length === 1);
    expect(dialogs[0]).toContain('Thu hồi đài "Đài Phát thanh tỉnh Vĩnh Long"?');
    expect(dialogs[0]).toContain('Mọi lịch tiếp sóng đài này sẽ dừng');
    expect(env.console.stations.get(id).revokedAt).toBeNull();
    // confirmed: revoked, shown with its date
    accept = true;
    await admin.click(`${row} button.revoke-station`);
    await admin.waitForSelector(`${row}:has-text("Đã thu hồi")`, { timeout: 20_000 });
    expect(await admin.innerText(row)).toMatch(/Đã thu hồi \d{2}\/\d{2}\/\d{4}/);
    expect(env.console.stations.get(id)).toMatchObject({ revokedBy: 'quantri' });
    await admin.context().close();
    // staff no longer find it among the stations they may relay; a leader sees no revoke button
    const page = await open('lanhdao1');
    await page.click('#tabs button[data-view=relay-view]');
    await page.waitForSelector('#relay-form');
    const options = await page.$$eval('#relay-form [name=station] option', (os) => os.map((o) => o.textContent));
    expect(options).not.toContain('Đài Phát thanh tỉnh Vĩnh Long');
    expect(options).toContain('Đài Tiếng nói Việt Nam VOV1');
    expect(await page.$('button.revoke-station')).toBeNull();
    await page.context().close();
  }, 120_000);

  it('a province leader chooses the communes of an emergency; a commune leader sees no commune chooser', async () => {
    const commune = await open('lanhdao1');
    await commune.click('#tabs button[data-view=emergency-view]');
    expect(await commune.locator('#emergency-communes').count()).toBe(0);
    await commune.context().close();

    const page = await open('tinh-ld');
    await page.click('#tabs button[data-view=emergency-view]');
    await page.uncheck('#emergency-form [name=all-communes]');
    await page.check('#emergency-form [name=commune][value="90002"]');
    await page.fill('#emergency-form [name=title]', 'Cảnh báo sạt lở');
    await page.fill('#emergency-form [name=text]', 'Nguy cơ sạt lở đất, bà con vùng đồi di chuyển ngay.');
    await page.click('#emergency-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=approved]', { timeout: 60_000 });
    const a = env.console.store.announcements.list(null).find((x) => x.title === 'Cảnh báo sạt lở')!;
    expect(a).toMatchObject({ level: 'province', priority: 'emergency', targets: ['90002'] });
    await page.context().close();
  }, 120_000);

  it('a commune leader sets a volume cap for a period beside the quiet hours; it is the policy in force', async () => {
    const page = await open('lanhdao1');
    await page.click('#tabs button[data-view=broadcast-view]');
    await page.waitForSelector('#policy-form');
    await page.click('#add-cap');
    const cap = page.locator('#policy-form .period[data-kind=cap]').last();
    await cap.locator('[name=cap-from]').fill('05:30');
    await cap.locator('[name=cap-to]').fill('06:30');
    await cap.locator('[name=cap-max]').fill('40');
    await page.click('#policy-form button[type=submit]');
    await waitFor(
      async () => (await page.textContent('#policy-text'))?.includes('05:30–06:30 tối đa 40'),
      10_000,
      'policy shown',
    );
    const staff = await env.login('canbo1');
    const p = (await env.api(staff, 'GET', '/api/policy')).body;
    expect(p.effective.volumeCaps).toEqual([{ from: '05:30', to: '06:30', max: 40 }]);
    expect(p.effective.quietHours.periods).toEqual([{ from: '21:00', to: '05:30' }]);
    // a bad time is refused with the reason, nothing saved
    await cap.locator('[name=cap-to]').fill('25:00');
    await page.click('#policy-form button[type=submit]');
    await page.waitForSelector('#message:not([hidden]):not(.ok)');
    expect(await page.textContent('#message')).toContain('Quy định giờ yên tĩnh');
    expect((await env.api(staff, 'GET', '/api/policy')).body.effective.volumeCaps).toEqual([
      { from: '05:30', to: '06:30', max: 40 },
    ]);
    await page.context().close();
  }, 120_000);
});
