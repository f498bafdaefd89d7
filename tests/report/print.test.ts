import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { reportHtml } from '../../console/report/html.ts';
import { buildReport } from '../../console/report/build.ts';
import { parsePeriod } from '../../console/report/period.ts';
import { resolveArea } from '../../console/report/area.ts';
import { loadRegistry } from '../../devices/registry/index.ts';
import { tempDir } from '../harness/temp.ts';
import { writeRegistry } from './fixture.ts';
import { launchChromium } from '../support/chromium.ts';

/** The printable document in a real Chromium: print CSS applies and it prints to an A4 PDF. */
describe('printable report', () => {
  let browser: Browser;
  let html = '';

  beforeAll(async () => {
    const registry = loadRegistry(await writeRegistry(tempDir('tt-print-')));
    const period = parsePeriod('2025-03-01', '2025-03-07');
    const data = {
      ratings: new Map([['90001', { 'hai-long': 3, 'khong-hai-long': 1 }]]),
      broadcasts: new Map(),
      cameras: new Map(),
      deviceUptime: new Map([
        ['xa1-ap1-loa', 1],
        ['xa1-ap2-loa', 1],
      ]),
    };
    html = reportHtml(buildReport(resolveArea(registry, '99'), period, data, Date.parse('2025-04-01T00:00:00Z')));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows Vietnamese headings and switches to print styles', async () => {
    const page = await browser.newPage();
    await page.setContent(html);
    expect(await page.locator('h1').innerText()).toMatch(/PHỤ LỤC SỐ LIỆU SƠ KẾT/);
    expect(await page.locator('h2').allInnerTexts()).toContain('II. Số liệu chi tiết theo từng xã');
    expect(await page.locator('table').first().locator('tbody tr').count()).toBe(3);
    // the deployment items commune staff declared, one row per commune (none declared in this fixture)
    expect(await page.locator('h2').allInnerTexts()).toContain('III. Thông tin do xã khai báo');
    expect(await page.locator('table').nth(1).locator('tbody tr').count()).toBe(3);
    expect(await page.locator('table').nth(1).locator('tbody td').allInnerTexts()).toContain('Chưa khai báo');
    const bg = () =>
      page
        .locator('th')
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg()).toBe('rgb(238, 238, 238)');
    await page.emulateMedia({ media: 'print' });
    expect(await bg()).toBe('rgba(0, 0, 0, 0)');
    // hamlet speakers both working → đầy đủ for loa in 90001
    expect(await page.locator('table').first().locator('tbody tr', { hasText: 'Xã Tân Hội' }).innerText()).toContain(
      '2/2 thôn/ấp',
    );
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
