import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOUDNESS, measureLoudness } from '../../console/audio/loudness.ts';
import { tempDir } from '../harness/temp.ts';
import { decodePcm, toneShare } from '../sound/audio-gen.ts';
import { consoleEnv, PASSWORD, waitFor, type Env } from './helpers.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signIn } from '../support/chromium.ts';
import { launchWithFakeMic } from '../support/fake-mic.ts';

/** Recording in the browser: Chromium's fake microphone (a quiet 700 Hz tone) is recorded, saved, normalized. */
const FREQ = 700;
const dir = tempDir('tt-record-');
let env: Env;
let browser: Browser;

beforeAll(async () => {
  env = await consoleEnv();
  browser = await launchWithFakeMic(dir, { frequency: FREQ, seconds: 60, volume: '-24dB' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('recording an announcement in the browser', () => {
  it('records, plays back, saves as the announcement’s audio at the normalized loudness', async () => {
    const page = await browser.newPage();
    await page.goto(env.console.url);
    await signIn(page, 'canbo1', PASSWORD);
    await page.click('#tabs button[data-view=form-view]');
    await page.fill('#ann-form [name=title]', 'Lời chào của Chủ tịch xã');
    await page.check('#ann-form [name=source][value=audio]');
    await page.waitForSelector('#recorder:not([hidden])');
    await page.click('#rec-start');
    await page.waitForFunction(() => (document.querySelector('#rec-info')?.textContent ?? '').startsWith('Đang ghi'));
    await new Promise((r) => setTimeout(r, 3_000));
    await page.click('#rec-stop');
    await page.waitForSelector('#rec-save:not([disabled])');
    // the preview can be listened to: the browser decodes the recording
    await page.waitForFunction(() => (document.querySelector('#recorder audio') as HTMLAudioElement).readyState >= 1);
    await page.click('#rec-save');
    const sha = await page
      .waitForFunction(() => document.querySelector<HTMLElement>('#rec-info')?.dataset.sha256)
      .then((h) => h.jsonValue() as Promise<string>);
    await page.selectOption('#ann-form [name=kind]', 'once');
    await page.fill('#ann-form [name=at]', `01/02/${new Date().getUTCFullYear() + 1} 07:00`);
    await page.click('#ann-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=draft]', { timeout: 30_000 });
    const staff = await env.login('canbo1');
    const list = (await env.api(staff, 'GET', '/api/announcements')).body.items as {
      title: string;
      audio: { sha256: string; mime: string; durationS: number };
    }[];
    const a = await waitFor(() => list.find((x) => x.title === 'Lời chào của Chủ tịch xã'));
    expect(a.audio).toMatchObject({ sha256: sha, mime: 'audio/mpeg' });
    expect(a.audio.durationS).toBeGreaterThan(1);
    const bytes = Buffer.from(await (await fetch(`${env.console.url}/audio/${sha}`)).arrayBuffer());
    const m = await measureLoudness(bytes);
    expect(Math.abs(m.integratedLufs - DEFAULT_LOUDNESS.integratedLufs)).toBeLessThanOrEqual(1);
    const file = join(dir, 'saved.mp3');
    writeFileSync(file, bytes);
    const pcm = decodePcm(file);
    expect(toneShare(pcm.subarray(pcm.length / 2, pcm.length / 2 + 8000), FREQ)).toBeGreaterThan(0.5);
    await page.close();
  });
});
