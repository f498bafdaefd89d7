import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { consoleEnv, PASSWORD, type Env } from '../console/helpers.ts';
import { launchChromium, signIn } from '../support/chromium.ts';
import { ratingPoint } from '../support/rating-point.ts';

const dir = tempDir('tt-dossier-ui-');
const vnToday = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10).split('-').reverse().join('/');

async function xlsxFile(name: string, rows: string[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Hồ sơ');
  ws.addRow(['Số hồ sơ', 'Mã thủ tục', 'Ngày tiếp nhận', 'Hạn trả', 'Ngày trả', 'Khiếu nại']);
  for (const r of rows) ws.addRow(r);
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(await wb.xlsx.writeBuffer()));
  return path;
}

describe('the "Hồ sơ & theo dõi" tab in Chromium', () => {
  let env: Env;
  let browser: Browser;
  const db = testDatabase('dossier_ui');

  beforeAll(async () => {
    await db.influx.createDatabase(db.database);
    await db.influx.writePoints(
      [ratingPoint('khong-hai-long', Date.now() - 60_000, { officer: 'CB01', dossier: 'HS-UI-1' })],
      { database: db.database },
    );
    env = await consoleEnv({ influx: { url: db.url, database: db.database } });
    await env.console.followup.reconcile();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  async function open(username: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(env.console.url);
    await signIn(page, username, PASSWORD);
    await page.click('#tabs button[data-view=followup-view]');
    await page.waitForSelector('#followup-body h3');
    return page;
  }

  it('staff import: bad cells listed by row and column, then a good file; the figures carry their definitions', async () => {
    const page = await open('canbo1');
    const today = vnToday();
    await page.setInputFiles(
      '#followup-body input[type=file]',
      await xlsxFile('bad.xlsx', [['HS-UI-1', '1.001612', today, today, '', 'có lẽ']]),
    );
    await page.click('#followup-body button:has-text("Nhập danh sách hồ sơ")');
    await page.waitForSelector('.import-errors li');
    expect(await page.textContent('.import-errors')).toContain('Dòng 2, cột F');
    await page.setInputFiles(
      '#followup-body input[type=file]',
      await xlsxFile('good.xlsx', [['HS-UI-1', '1.001612', today, today, '', 'Không']]),
    );
    await page.click('#followup-body button:has-text("Nhập danh sách hồ sơ")');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Đã nhập 1 hồ sơ'));
    await page.waitForSelector('#followup-body .definition');
    const text = (await page.textContent('#followup-body'))!;
    expect(text).toContain('Chỉ số theo Quyết định 766');
    expect(text).toContain('100% − (% hồ sơ trả kết quả trễ hạn');
    expect(text).toContain('Tỷ lệ hài lòng (SIPAS)');
    expect(text).not.toContain('Theo cán bộ trực'); // per-officer figures: the leader's only
    await page.close();
  });

  it('the leader sees per-officer figures and the case, and assigns it', async () => {
    const page = await open('lanhdao1');
    await page.waitForSelector('#followup-body .case');
    expect(await page.textContent('#followup-body')).toContain('Theo cán bộ trực');
    expect(await page.textContent('#followup-body .case')).toContain('HS-UI-1');
    await page.fill('#followup-body .case input', 'canbo1');
    await page.click('#followup-body .case button:has-text("Giao cho")');
    await page.waitForFunction(() =>
      document.querySelector('#followup-body .case')?.textContent?.includes('Người xử lý: canbo1'),
    );
    // the case and its steps in the server's words
    const head = await page.textContent('#followup-body .case h4');
    expect(head).toContain('Đánh giá không hài lòng');
    expect(head).toContain('Đang xử lý');
    await page.fill('#followup-body .case input', 'Đã gọi điện cho công dân.');
    await page.click('#followup-body .case button:has-text("Ghi liên hệ")');
    await page.waitForFunction(() =>
      document
        .querySelector('#followup-body .case ul')
        ?.textContent?.includes('Liên hệ công dân: Đã gọi điện cho công dân.'),
    );
    expect(await page.textContent('#followup-body .case ul')).toMatch(
      /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} lanhdao1 – Giao: canbo1/,
    );
    await page.close();
  });
});
