import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from '../support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBrokerConfig, startBroker, type RunningBroker } from '../../broker/index.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { loadRegistry } from '../../devices/registry/index.ts';
import { silentLogger } from '../../infra/logger.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { tempDir } from '../harness/temp.ts';
import { CHEAP, PASSWORD } from './helpers.ts';

/**
 * "Thiết bị mới & cập nhật" in Chromium: commune staff register a new speaker and get its one-time code and QR;
 * the Pi claims with the code; the page shows it claimed, and every device's version and update state.
 */
const dir = tempDir('tt-fleet-ui-');
const registryPath = join(dir, 'registry.yaml');
let broker: RunningBroker;
let consoleApp: RunningConsole;
let browser: Browser;

beforeAll(async () => {
  const demo = await demoRegistry({ communes: 2, hamletsPerCommune: 2, countersPerCommune: 1, cost: CHEAP });
  writeFileSync(registryPath, demo.yaml);
  broker = await startBroker({
    config: parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath }),
    registry: loadRegistry(registryPath),
    log: silentLogger,
  });
  const releaseKey = generateKeyPairSync('ed25519')
    .publicKey.export({ type: 'spki', format: 'der' })
    .toString('base64');
  consoleApp = await startConsole({
    config: parseConfig({
      dataDir: join(dir, 'console'),
      registryPath,
      http: { port: 0, secureCookies: false },
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, username: 'console', password: demo.secrets.console },
      provisioning: { brokerUrl: 'mqtts://may-chu.xa1.local:8883' },
      updates: { releaseKey },
    }),
    registry: loadRegistry(registryPath),
    log: silentLogger,
    hashCost: CHEAP,
  });
  await consoleApp.users.create({ username: 'canbo1', password: PASSWORD, role: 'staff', communes: ['90001'] }, 'test');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await consoleApp?.close();
  await broker?.close();
});

async function loggedIn(username: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(consoleApp.url);
  await signIn(page, username, PASSWORD);
  return page;
}

describe('new devices and updates page', () => {
  it('registers a speaker with a one-time code and QR, shows it claimed once the Pi uses the code, and lists versions', async () => {
    const page = await loggedIn('canbo1');
    await page.click('#tabs button[data-view=fleet-view]');
    await page.waitForSelector('#provision-form');
    await page.selectOption('#provision-form [name=kind]', 'speaker');
    await page.fill('#provision-form [name=id]', 'xa1-ap2-loa2');
    await page.selectOption('#provision-form [name=place]', 'xa1-ap2');
    await page.fill('#provision-form [name=name]', 'Loa chợ ấp Hai');
    await page.click('#provision-form button[type=submit]');
    const code = (await page.locator('#claim-code .claim-code').textContent())!;
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    // the QR is an image the browser can draw
    await page.waitForFunction(
      () => ((document.querySelector('#claim-code img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0,
    );
    expect(await page.textContent('#provision-table tr[data-device="xa1-ap2-loa2"] .claim-state')).toBe(
      'chờ kích hoạt',
    );

    // the Pi claims its identity with the code: once
    const claim = (c: string) =>
      fetch(`${consoleApp.url}/api/provisioning/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: c }),
      });
    expect((await claim(code)).status).toBe(200);
    expect((await claim(code)).status).toBe(400);
    await page.click('#tabs button[data-view=list-view]');
    await page.click('#tabs button[data-view=fleet-view]');
    await page.waitForSelector('#provision-table tr[data-device="xa1-ap2-loa2"]');
    expect(await page.textContent('#provision-table tr[data-device="xa1-ap2-loa2"] .claim-state')).toBe('đã kích hoạt');

    // every device of the commune with its version (none reported yet) and update state
    await page.waitForSelector('#versions-table tr[data-device="xa1-ap1-loa"]');
    const row = await page.$$eval('#versions-table tr[data-device="xa1-ap1-loa"] td', (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(row.slice(0, 4)).toEqual(['xa1-ap1-loa', 'Loa', expect.any(String), 'chưa báo']);
    await page.close();
  }, 120_000);
});
