import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { testDatabase } from '../harness/influx.ts';
import { consoleEnv, PASSWORD, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import {
  A,
  EXPECTED,
  FROM,
  NOW,
  PROVINCE,
  seedPoints,
  seedWithDailyAggregates,
  TO,
  UNITS,
} from './satisfaction-seed.ts';
import { launchChromium, signIn } from '../support/chromium.ts';

/**
 * The "Mức độ hài lòng" page in real Chromium on the seeded data: the numbers shown equal the hand-computed
 * ones, at desktop and phone size, with no script error. Screenshots go to artifacts/ (gitignored).
 */
const ARTIFACTS = join(process.cwd(), 'artifacts', 'satisfaction');
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;
/** Vietnamese display of a percentage with one decimal, as the page writes it */
const vi = (x: number) => x.toLocaleString('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

let env: Env;
let browser: Browser;

beforeAll(async () => {
  const db = testDatabase('console_satpage');
  env = await consoleEnv({ influx: { url: db.url, database: db.database } }, new FakeClock(NOW), {
    units: UNITS,
    province: PROVINCE,
    withDistrict: false,
  });
  await seedWithDailyAggregates(db, seedPoints(env.registry));
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function open(user: string, size: keyof typeof SIZES): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: SIZES[size], locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // the app asks /api/me before login: that one 401 is expected; any other failed load or error counts
  page.on(
    'console',
    (m) =>
      m.type() === 'error' &&
      !(m.text().includes('status of 401') && m.location().url.endsWith('/api/me')) &&
      errors.push(`${m.text()} ${m.location().url}`),
  );
  await page.goto(env.console.url);
  await signIn(page, user, PASSWORD);
  await page.click('#tabs button[data-view=satisfaction-view]');
  await page.waitForSelector('#satisfaction-view[data-ready]');
  // the custom period of the seed, set at once and announced with one change event
  const before = await page.getAttribute('#satisfaction-view', 'data-ready');
  await page.evaluate(
    ([from, to]) => {
      const f = document.querySelector('#sat-controls') as HTMLFormElement & Record<string, HTMLInputElement>;
      f.period.value = 'custom';
      f.from.value = from;
      f.to.value = to;
      f.dispatchEvent(new Event('change', { bubbles: true }));
    },
    [FROM, TO].map((d) => d.split('-').reverse().join('/')),
  ); // typed as people write dates: dd/mm/yyyy
  await page.waitForFunction(
    (b) => document.querySelector('#satisfaction-view')!.getAttribute('data-ready') !== b,
    before,
  );
  return { page, errors };
}

const cells = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent!.trim())));

describe('Mức độ hài lòng page (Chromium)', () => {
  for (const size of ['desktop', 'phone'] as const) {
    it(`${size}: the province ranking and the commune view show the hand-computed figures`, async () => {
      const { page, errors } = await open('huyen', size);
      const rows = await cells(page, '#xep-hang-xa');
      expect(rows.map((r) => r[1])).toEqual(['Phường Phú Khương', 'Phường An Hội', 'Xã Giao Long']);
      expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
      expect(rows.map((r) => r[2])).toEqual(EXPECTED.order.map((c) => vi(EXPECTED.shrunk[c])));
      expect(rows.map((r) => r[3])).toEqual(EXPECTED.order.map((c) => vi(EXPECTED.index[c])));
      expect(rows.map((r) => r[4])).toEqual(EXPECTED.order.map((c) => String(EXPECTED.n[c])));
      expect(rows.map((r) => r[5])).toEqual(['-25,0', '–', '+10,0']);
      expect(rows[1][6]).toContain('ít lượt đánh giá');
      expect(rows[0][6]).toContain('2 hộp không có lượt đánh giá');
      expect(await page.textContent('#xep-hang-xa caption')).toContain('02/11/2026 – 15/11/2026');
      await page.screenshot({ path: join(ARTIFACTS, `province-ranking-${size}.png`), fullPage: true });

      const before = await page.getAttribute('#satisfaction-view', 'data-ready');
      await page.click(`#xep-hang-xa tr[data-commune="${A}"]`);
      await page.waitForFunction(
        (b) => document.querySelector('#satisfaction-view')!.getAttribute('data-ready') !== b,
        before,
      );
      const summary = (await page.textContent('#sat-commune-summary'))!;
      expect(summary).toContain('Chỉ số hài lòng 75,0 % trên 80 lượt');
      expect(summary).toContain(`từ chối do khóa chống bấm liên tục: ${EXPECTED.rejectedA}`);
      expect(summary).toContain(`hoạt động ${vi(EXPECTED.uptimeA * 100)} %`);
      for (const c of EXPECTED.heatA) {
        const text = await page.textContent(`#ban-do-nhiet td[data-weekday="${c.weekday}"][data-hour="${c.hour}"]`);
        expect(text).toBe(`${Math.round((100 * c.satisfied) / c.n)} % (${c.n})`);
      }
      expect(await cells(page, '#theo-quay')).toEqual([
        ['1', 'Quầy Tư pháp – Hộ tịch', expect.any(String), '83,3', '60'],
        ['2', 'Quầy Địa chính – Xây dựng', expect.any(String), '50,0', '20'],
      ]);
      expect((await cells(page, '#ty-le-muc')).map((r) => r.slice(1))).toEqual([
        ['40', '50,0 %'],
        ['20', '25,0 %'],
        ['5', '6,3 %'],
        ['15', '18,8 %'],
      ]);
      expect(await page.$$('#sat-commune .uplot')).toHaveLength(2);
      expect(await page.$('#theo-can-bo')).toBeNull(); // the province account never sees per-officer figures
      await page.screenshot({ path: join(ARTIFACTS, `commune-view-${size}.png`), fullPage: true });
      if (size === 'phone') {
        // nothing wider than the screen except inside the scrollable table wrappers
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(overflow).toBeLessThanOrEqual(SIZES.phone.width + 1);
      }
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  }

  it('the commune leader sees the per-officer table; the CSV of a table is what it shows', async () => {
    const { page, errors } = await open('lanhdao1', 'desktop');
    expect(await page.isHidden('#sat-ranking')).toBe(true);
    expect(await cells(page, '#theo-can-bo')).toEqual([['1', 'nguyen-van-an', expect.any(String), '50,0', '20']]);
    // the file the table's own "Tải CSV" button downloads
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#theo-quay caption button.csv')]);
    expect(download.suggestedFilename()).toBe('theo-quay.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\ufeffHạng,Quầy,Chỉ số hiệu chỉnh (%),Chỉ số (%),Số lượt');
    expect(csv.split('\r\n')[1]).toMatch(/^1,Quầy Tư pháp – Hộ tịch,"[\d,]+","83,3",60$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
  it('an impossible custom date is refused in words: the view says so and keeps working', async () => {
    const { page, errors } = await open('huyen', 'desktop');
    const before = await page.getAttribute('#satisfaction-view', 'data-ready');
    await page.evaluate(() => {
      const f = document.querySelector('#sat-controls') as HTMLFormElement & Record<string, HTMLInputElement>;
      f.from.value = '31/02/2026';
      f.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForFunction(
      (b) => document.querySelector('#satisfaction-view')!.getAttribute('data-ready') !== b,
      before,
    );
    const error = await page.getAttribute('#satisfaction-view', 'data-error');
    expect(error).toContain('Kỳ báo cáo không hợp lệ');
    expect(await page.textContent('#message')).toContain('Kỳ báo cáo không hợp lệ');
    // the figures of the last good choice stay on the page
    expect((await cells(page, '#xep-hang-xa')).map((r) => r[1])).toEqual([
      'Phường Phú Khương',
      'Phường An Hội',
      'Xã Giao Long',
    ]);
    // the refused request is the only console error, and a 400 (never a 500)
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('status of 400');
    await page.close();
  }, 60_000);
});
