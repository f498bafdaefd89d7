import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { verifySchedule } from '../../devices/schedule-signature.ts';
import type { ScheduleDocument } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { consoleEnv, PASSWORD, waitFor, type Env } from './helpers.ts';
import { launchChromium, openConsole } from '../support/chromium.ts';

let env: Env;
let browser: Browser | undefined;

beforeAll(async () => {
  env = await consoleEnv();
  await env.console.users.create(
    { username: 'tinh-ld', password: PASSWORD, role: 'leader', level: 'province' },
    'test',
  );
});
afterAll(async () => {
  await browser?.close();
});

async function open(username: string): Promise<Page> {
  browser ??= await launchChromium();
  return openConsole(browser, env.console.url, username, PASSWORD);
}

describe('the "Điều hành loa toàn tỉnh" tab in Chromium', () => {
  it('a province leader sees the roll-up per commune, stops the whole province at once and resumes', async () => {
    const speaker = await env.speakerClient('xa2-ap3-loa');
    const docs: ScheduleDocument[] = [];
    speaker.on('message', (topic, payload) => {
      if (topic !== topicFor('xa2-ap3-loa', 'schedule-province')) return;
      const r = verifySchedule(JSON.parse(payload.toString()), env.console.keys.get('99')!.publicKeyPem, {
        speaker: 'xa2-ap3-loa',
        hamlet: 'xa2-ap3',
        commune: '90002',
        minVersion: 1,
        issuer: { level: 'province', code: '99' },
      });
      if (r.ok) docs.push(r.doc);
    });
    await speaker.subscribeAsync(topicFor('xa2-ap3-loa', 'schedule-province'), { qos: 1 });
    const page = await open('tinh-ld');
    expect(await page.textContent('#who-role')).toMatch(/^Lãnh đạo tỉnh/);
    await page.click('#tabs button[data-view=broadcast-view]');
    await page.waitForSelector('#rollup-table tbody tr');
    const communes = await page.$$eval('#rollup-table tr.rollup-commune th', (ths) => ths.map((t) => t.textContent));
    expect(communes).toEqual([
      env.registry.communes.get('90001')!.commune.name,
      env.registry.communes.get('90002')!.commune.name,
    ]);
    expect(await page.textContent('#policy-text')).toContain('21:00–05:30');
    await page.click('#stop-now');
    await page.waitForSelector('#stops-list li');
    expect(await page.textContent('#stops-list li')).toMatch(/Cấp tỉnh · 2 xã/);
    await waitFor(() => docs.at(-1)?.stop, 20_000, 'stop reaches the speaker');
    await page.click('#stops-list li button');
    await page.waitForSelector('#stops-list', { state: 'detached' });
    await waitFor(() => docs.length > 1 && !docs.at(-1)!.stop, 20_000, 'resume reaches the speaker');
  });

  it('shows the quiet hours beside the schedule form', async () => {
    const page = await open('canbo1');
    await page.click('#tabs button[data-view=form-view]');
    await page.waitForFunction(() =>
      (document.querySelector('#form-policy')?.textContent ?? '').includes('21:00–05:30'),
    );
  });
});
