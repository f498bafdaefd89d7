import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, parseBrokerConfig, type RunningBroker } from '../../broker/index.ts';
import { BroadcastLogExtension } from '../../collector/broadcast-log.ts';
import {
  collectorExtensions,
  parseConfig as parseCollectorConfig,
  startCollector,
  type Collector,
} from '../../collector/index.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { CHEAP, PASSWORD, waitFor } from './helpers.ts';
import { stopChildren } from '../support/children.ts';
import { launchChromium, signIn } from '../support/chromium.ts';

/**
 * The whole chain: staff creates an announcement in Chromium, the leader approves it, two loudspeaker
 * bridges (real processes: firmware-bridge/main.ts with fake IO and a fake player) receive the signed
 * schedule, fetch and verify the audio, play on time and log it; the collector stores the logs in InfluxDB;
 * the console shows "đã phát" for each hamlet.
 */
const SPEAKERS = [
  { id: 'xa1-ap1-loa', hamlet: 'xa1-ap1' },
  { id: 'xa1-ap2-loa', hamlet: 'xa1-ap2' },
];
const TITLE = 'Lịch tiêm phòng vắc-xin cho trẻ em';

let broker: RunningBroker;
let collector: Collector;
let console_: RunningConsole;
let browser: Browser;
const children: ChildProcess[] = [];
const { url: influxUrl, database, influx } = testDatabase('console_e2e');
const dir = tempDir('tt-console-e2e-');

beforeAll(async () => {
  const { yaml, secrets } = await demoRegistry({
    communes: 1,
    hamletsPerCommune: 3,
    countersPerCommune: 1,
    cost: CHEAP,
  });
  const registry = parseRegistry(yaml);
  writeFileSync(join(dir, 'registry.yaml'), yaml);
  broker = await startBroker({
    config: parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath: join(dir, 'registry.yaml') }),
    registry,
    log: silentLogger,
  });
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;

  const extensions = collectorExtensions();
  if (!extensions.some((e) => e.name === 'broadcast-log')) extensions.push(new BroadcastLogExtension());
  collector = await startCollector({
    config: parseCollectorConfig({
      broker: { url: mqttUrl, username: 'collector', password: secrets.collector },
      influx: { url: influxUrl, database, rawRetention: '30d' },
      registryPath: join(dir, 'registry.yaml'),
      spoolDir: join(dir, 'spool'),
    }),
    registry,
    log: silentLogger,
    clock: systemClock,
    extensions,
  });

  console_ = await startConsole({
    config: parseConfig({
      dataDir: join(dir, 'console'),
      registryPath: join(dir, 'registry.yaml'),
      http: { port: 0, secureCookies: false }, // plain http on 127.0.0.1 in the test only
      mqtt: { url: mqttUrl, username: 'console', password: secrets.console },
      // the second source of speaker logs: what the collector stored
      influx: { url: influxUrl, database, pollMs: 1000 },
    }),
    registry,
    log: silentLogger,
    hashCost: CHEAP,
  });
  await console_.subscribed;
  await console_.users.create({ username: 'canbo1', password: PASSWORD, role: 'staff', communes: ['90001'] }, 'test');
  await console_.users.create(
    { username: 'lanhdao1', password: PASSWORD, role: 'leader', communes: ['90001'] },
    'test',
  );
  const publicKey = console_.keys.get('90001')!.publicKeyPem;

  for (const s of SPEAKERS) {
    const config = {
      deviceId: s.id,
      broker: { url: mqttUrl, password: secrets[s.id], reconnectMinMs: 200, reconnectMaxMs: 2000 },
      dataDir: join(dir, s.id),
      io: { kind: 'fake' },
      clock: { sources: [], rtc: false, pollMs: 500 },
      outbox: { resendAfterMs: 2000 },
      units: {
        speaker: {
          commune: '90001',
          hamlet: s.hamlet,
          schedulePublicKey: publicKey,
          relayPin: 7,
          consoleUrl: console_.url,
          player: { kind: 'fake' },
          warmupMs: 0,
          relayHoldMs: 0,
        },
      },
    };
    const file = join(dir, `${s.id}.yaml`);
    writeFileSync(file, stringify(config));
    // E2E_LOG_DIR keeps the speakers' logs after the run (the temp dir is removed)
    const out = openSync(
      process.env.E2E_LOG_DIR ? join(process.env.E2E_LOG_DIR, `${s.id}.log`) : join(dir, `${s.id}.log`),
      'a',
    );
    const child = spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['firmware-bridge/main.ts', '--config', file], {
      cwd: process.cwd(),
      stdio: ['ignore', out, out],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    children.push(child);
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopChildren(children);
  await console_?.close();
  await collector?.close();
  await broker?.close();
}, 60_000);

/** 'YYYY-MM-DDTHH:mm' in Vietnam (UTC+7 all year) of the first whole minute at least `leadMs` ahead */
function vietnamMinuteAhead(leadMs: number): { local: string; utc: string } {
  const at = Math.ceil((Date.now() + leadMs) / 60_000) * 60_000;
  return { local: new Date(at + 7 * 3_600_000).toISOString().slice(0, 16), utc: new Date(at).toISOString() };
}

async function login(page: Page, username: string) {
  await signIn(page, username, PASSWORD);
}

describe('end to end in Chromium', () => {
  it('staff creates, the leader approves, two speakers play it, logs reach InfluxDB, the console shows "đã phát"', async () => {
    // every speaker has accepted its first (empty) schedule before we start
    await waitFor(
      () => SPEAKERS.every((s) => console_.store.speakers.get(s.id)?.status === 'accepted'),
      60_000,
      'speakers accept their schedules',
    );

    const page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(console_.url);
    await login(page, 'canbo1');

    const when = vietnamMinuteAhead(75_000);
    await page.click('#tabs button[data-view=form-view]');
    await page.fill('#ann-form [name=title]', TITLE);
    await page.fill(
      '#ann-form [name=text]',
      'Kính thưa bà con, sáng thứ Bảy trạm y tế xã tiêm vắc-xin sởi cho trẻ dưới năm tuổi.',
    );
    await page.uncheck('#ann-form [name=all-hamlets]');
    for (const s of SPEAKERS) await page.check(`#hamlet-boxes input[value=${s.hamlet}]`);
    await page.selectOption('#ann-form [name=kind]', 'once');
    // typed the Vietnamese way (dd/mm/yyyy hh:mm), whatever the browser's locale
    const [d, t] = when.local.split('T');
    await page.fill('#ann-form [name=at]', `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${t}`);
    await page.keyboard.press('Escape');
    await page.fill('#ann-form [name=volume]', '70');
    await page.click('#ann-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=draft]', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Gửi duyệt' }).click();
    await page.waitForSelector('#detail-info[data-status=submitted]');
    // staff cannot approve: the button is not there
    expect(await page.getByRole('button', { name: 'Duyệt', exact: true }).count()).toBe(0);

    await page.click('#logout');
    await page.waitForSelector('#login-view:not([hidden])');
    await login(page, 'lanhdao1');
    await page.locator('#list-table tbody tr', { hasText: TITLE }).click();
    await page.getByRole('button', { name: 'Duyệt', exact: true }).click();
    await page.waitForSelector('#detail-info[data-status=approved]');
    const id = (await console_.store.announcements.list(null)).find((a) => a.title === TITLE)!.id;

    // both hamlets show "đã phát" once their speaker has played and logged it
    for (const s of SPEAKERS) {
      await page.waitForFunction(
        (h) =>
          document.querySelector(`#delivery-table tr[data-hamlet="${h}"] .delivery-state`)?.textContent === 'đã phát',
        s.hamlet,
        { timeout: 200_000, polling: 500 },
      );
    }
    const third = await page.locator('#delivery-table tr[data-hamlet]').count();
    expect(third).toBe(2); // only the two chosen hamlets

    // the logs are in InfluxDB: one 'played' point per speaker for this occurrence
    const rows = await waitFor(
      async () => {
        const r = await influx.query<{ device: string; outcome: string; occurrence: string }>(
          `SELECT * FROM broadcast_log WHERE announcement = '${id}'`,
        );
        return r.length >= 2 && r;
      },
      30_000,
      'broadcast_log points',
    );
    expect(rows.map((r) => r.device).sort()).toEqual(SPEAKERS.map((s) => s.id));
    expect(rows.every((r) => r.outcome === 'played' && r.occurrence === when.utc)).toBe(true);

    // the console also read them back from InfluxDB; each log still counts once per hamlet
    await waitFor(() => (console_.stats().influx?.rows ?? 0) >= 2, 30_000, 'console reads broadcast_log');
    const { announcement: detail } = await (await page.request.get(`${console_.url}/api/announcements/${id}`)).json();
    expect(detail.delivery.map((d: { hamlet: string; counts: unknown }) => [d.hamlet, d.counts])).toEqual(
      SPEAKERS.map((s) => [s.hamlet, { played: 1, failed: 0, missed: 0, timesSpoken: 1 }]),
    );
    // and each speaker accepted the document that carried it
    expect(SPEAKERS.every((s) => console_.store.speakers.get(s.id)?.status === 'accepted')).toBe(true);
    await page.close();
  }, 300_000);
});
