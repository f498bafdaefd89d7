import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from '../support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleEnv, nextYear, PASSWORD, type Env } from './helpers.ts';

/**
 * Every page people read is Vietnamese: each tab of the console, opened by each role in an English-speaking
 * browser, shows no English word and no ISO date (yyyy-mm-dd), only dd/mm/yyyy.
 */
let env: Env;
let browser: Browser;
const Y = nextYear();

/** words of English UI text and raw codes that have leaked before (statuses, refusal reasons, MIME types) */
// whole words only: Vietnamese letters count as letters ("toàn" is not "to"), and ids like xa1-ap1-loa are not words
const ENGLISH = new RegExp(
  `(?<![\\p{L}\\p{N}_/-])(${'the|and|or|of|to|is|not|error|failed|failure|loading|undefined|null|NaN|true|false|console|submit|cancel|save|delete|edit|stop|status|pending|approved|draft|rejected|stopped|accepted|refused|stale|bad-signature|unsigned|invalid|online|offline|none|unknown|staff|leader|inspector|admin|commune|district|province|audio/mpeg|audio/wav|played|missed|skipped'})(?![\\p{L}\\p{N}_/-])`,
  'iu',
);
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;

beforeAll(async () => {
  env = await consoleEnv();
  const [staff, leader] = await Promise.all([env.login('canbo1'), env.login('lanhdao1')]);
  const body = (title: string, at: string) => ({
    title,
    text: `Nội dung ${title}.`,
    hamlets: 'all',
    schedule: { kind: 'once', at },
  });
  const a = (await env.api(staff, 'POST', '/api/announcements', body('Họp dân đầu năm', `${Y}-01-15T08:00`))).body.id;
  await env.api(staff, 'POST', '/api/announcements', {
    ...body('Tiêm chủng hằng tuần', ''),
    schedule: { kind: 'weekly', weekdays: [1, 4], time: '07:30', from: `${Y}-02-01`, to: `${Y}-02-28` },
  });
  await env.api(staff, 'POST', `/api/announcements/${a}/submit`);
  await env.api(leader, 'POST', `/api/announcements/${a}/approve`);
  browser = await launchChromium(['--lang=en-US']);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function loggedIn(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York' });
  const page = await context.newPage();
  await page.goto(env.console.url);
  await signIn(page, username, PASSWORD);
  return page;
}

/** the words on screen, less what people typed and ids that name devices */
async function visibleText(page: Page): Promise<string> {
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => document.body.innerText);
}

function offending(text: string): string[] {
  return text.split('\n').filter((line) => ENGLISH.test(line) || ISO_DATE.test(line));
}

describe('every page is Vietnamese', () => {
  it('the text checks catch English and ISO dates', () => {
    expect(
      offending(
        'Trạng thái: pending\nNgày 2027-01-15\nĐã duyệt 15/01/2027\nToàn tỉnh · xa1-ap1-loa\n(audio/mpeg, 3 giây)',
      ),
    ).toEqual(['Trạng thái: pending', 'Ngày 2027-01-15', '(audio/mpeg, 3 giây)']);
  });

  for (const username of ['canbo1', 'lanhdao1', 'quantri', 'huyen']) {
    it(`every tab ${username} can open, and an announcement's page`, async () => {
      const page = await loggedIn(username);
      const tabs = await page.$$eval('#tabs button:not([hidden])', (bs) =>
        bs.map((b) => (b as HTMLElement).dataset.view!),
      );
      expect(tabs.length).toBeGreaterThan(3);
      const seen: Record<string, string[]> = {};
      for (const view of tabs) {
        await page.click(`#tabs button[data-view=${view}]`);
        await page.waitForSelector(`#${view}:not([hidden])`);
        const bad = offending(await visibleText(page));
        if (bad.length) seen[view] = bad;
      }
      await page.click('#tabs button[data-view=list-view]');
      const rows = page.locator('#list-table tbody tr.clickable');
      if ((await rows.count()) > 0) {
        await rows.first().click();
        await page.waitForSelector('#detail-info[data-status]');
        const bad = offending(await visibleText(page));
        if (bad.length) seen['detail-view'] = bad;
      }
      expect(seen).toEqual({});
      await page.context().close();
    }, 120_000);
  }
});
