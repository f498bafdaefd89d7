import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDocument } from '../../devices/contract/broadcast.ts';
import { generateScheduleKeys, signSchedule } from '../../devices/schedule-signature.ts';
import { topicFor } from '../../devices/topics.ts';
import { startIcecast, type RunningIcecast } from '../../infra/icecast.ts';
import { tempDir } from '../harness/temp.ts';
import { toneShare } from '../sound/audio-gen.ts';
import { SpeakerProcesses } from '../sound/bridges.ts';
import { ToneStation } from '../sound/station.ts';
import { consoleEnv, PASSWORD, waitFor, type Env } from './helpers.ts';
import { feedFrom, setProvinceQuietHours } from './live-helpers.ts';
import { signIn } from '../support/chromium.ts';
import { launchWithFakeMic } from '../support/fake-mic.ts';

/**
 * Live from the console: Chromium's fake microphone plays a 1 kHz tone; a leader starts "Phát trực tiếp" to two
 * hamlets; two real speaker bridges decode the live mount with ffmpeg into PCM files; the tone must be in them.
 * A stream on an open mount, announced in a document the commune did not sign, must not play.
 */
const RATE = 22_050;
const MIC_FREQ = 1000;
const SPEAKERS = [
  { id: 'xa1-ap1-loa', hamlet: 'xa1-ap1' },
  { id: 'xa1-ap2-loa', hamlet: 'xa1-ap2' },
];
const dir = tempDir('tt-live-');
let icecast: RunningIcecast;
let env: Env;
let browser: Browser;
const speakers = new SpeakerProcesses(dir);

beforeAll(async () => {
  icecast = await startIcecast({
    dir: join(dir, 'icecast'),
    sourcePassword: 'nguon-truc-tiep',
    adminPassword: 'quan-tri-thu',
  });
  env = await consoleEnv({ live: { icecastUrl: icecast.url, sourcePassword: 'nguon-truc-tiep' } });
  // the province's sound policy without quiet hours, so live audio plays whatever the time of day (console and speakers)
  setProvinceQuietHours(env, []);
  await env.console.subscribed;
  speakers.start(
    SPEAKERS.map((s) => ({ ...s, password: env.secrets[s.id] })),
    {
      brokerUrl: `mqtt://127.0.0.1:${env.broker.port}`,
      commune: '90001',
      publicKey: env.console.keys.get('90001')!.publicKeyPem,
      consoleUrl: env.console.url,
      stream: { rate: RATE, retryMs: 300, stallMs: 3000 },
    },
  );
  browser = await launchWithFakeMic(dir, { frequency: MIC_FREQ, seconds: 120, volume: '6' }, [
    '--autoplay-policy=no-user-gesture-required',
  ]);
  await waitFor(
    () => SPEAKERS.every((s) => speakers.logText(s.id).includes('schedule accepted')),
    60_000,
    'speakers up',
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await speakers.stop();
  await icecast?.close();
}, 60_000);

async function login(page: Page, username: string) {
  await page.goto(env.console.url);
  await signIn(page, username, PASSWORD);
}

function samplesOf(file: string): Int16Array {
  const raw = readFileSync(file);
  return new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
}

describe('live broadcast from the browser', () => {
  it('the leader speaks; both speakers play the microphone’s tone; ending it stops them and logs it', async () => {
    const page = await browser.newPage();
    page.on('console', (m) => process.env.E2E_LOG_DIR && console.log('browser:', m.text()));
    await login(page, 'lanhdao1');
    await page.click('#tabs button[data-view=live-view]');
    await page.uncheck('#live-view [name=all-hamlets]');
    for (const s of SPEAKERS) await page.check(`#live-view input[value=${s.hamlet}]`);
    await page.click('#live-start');
    await page
      .waitForFunction(() => document.querySelector('#live-status')?.textContent === 'Đang phát', undefined, {
        timeout: 30_000,
      })
      .catch(async (err) => {
        throw new Error(
          `${err}: status ${await page.textContent('#live-status')}, message ${await page.textContent('#message')}`,
        );
      });
    // both speakers have decoded a second of the live mount
    await waitFor(
      () =>
        SPEAKERS.every(
          (s) => existsSync(speakers.pcm(s.id, 1)) && statSync(speakers.pcm(s.id, 1)).size > RATE * 2 * 1.5,
        ),
      40_000,
      'live audio at the speakers',
    );
    for (const s of SPEAKERS) {
      const samples = samplesOf(speakers.pcm(s.id, 1));
      const last = samples.subarray(samples.length - RATE / 2);
      expect(toneShare(last, MIC_FREQ, RATE), s.id).toBeGreaterThan(0.5);
      expect(toneShare(last, 440, RATE), s.id).toBeLessThan(0.05); // the control: not just any sound
    }
    // the encoder dies mid-broadcast: the leader's page says it was restored, and the session stays on air
    const leaderToken = await env.login('lanhdao1');
    const [onAir] = (await env.api(leaderToken, 'GET', '/api/live')).body.items;
    process.kill(env.console.live!.feederOf(onAir.id)!.pid!, 'SIGKILL');
    await page.waitForFunction(
      () => document.querySelector('#live-feed')?.textContent?.includes('nối lại 1 lần'),
      undefined,
      {
        timeout: 30_000,
      },
    );
    expect(await page.textContent('#live-status')).toBe('Đang phát');
    await page.click('#live-end');
    await page.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'Đã kết thúc');
    const [session] = (await env.api(await env.login('lanhdao1'), 'GET', '/api/live')).body.items;
    expect(session).toMatchObject({ status: 'ended', by: 'lanhdao1', hamlets: SPEAKERS.map((s) => s.hamlet) });
    expect(session.startedAt && session.endedAt).toBeTruthy();
    // each speaker stops and logs the live broadcast as played, with how long it streamed
    await waitFor(
      () => env.console.store.deliveries.forAnnouncement(session.id).filter((d) => d.outcome === 'played').length === 2,
      40_000,
      'live logs',
    );
    for (const s of SPEAKERS) expect(speakers.logText(s.id)).toMatch(/"stream":\{"kind":"live","playedS":[1-9]/);
    const audit = (await env.api(await env.login('lanhdao1'), 'GET', '/api/audit')).body.items as {
      action: string;
      username: string;
    }[];
    expect(audit.filter((a) => a.action.startsWith('live.')).map((a) => a.action)).toEqual(
      expect.arrayContaining(['live.request', 'live.start', 'live.end']),
    );
    await page.close();
  });

  it('staff cannot speak before a leader approves, and cannot feed another user’s session', async () => {
    const staff = await env.login('canbo1');
    const leader = await env.login('lanhdao1');
    const req = await env.api(staff, 'POST', '/api/live', { hamlets: ['xa1-ap1'] });
    expect(req.body.status).toBe('requested');
    expect(req.body.mount).toBeUndefined(); // the mount is a secret of the signed schedule, not of the API
    const feed = (token: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${env.console.url.replace('http', 'ws')}/api/live/${req.body.id}/feed`, {
          headers: { authorization: `Bearer ${token}` },
        });
        ws.on('message', (m) => {
          resolve(String(m));
          ws.close();
        });
        ws.on('error', () => resolve('error'));
      });
    expect(await feed(staff)).toMatch(/LIVE_NOT_READY/);
    const otherCommune = await env.login('lanhdao2');
    expect((await env.api(otherCommune, 'POST', `/api/live/${req.body.id}/approve`)).body.error.code).toBe(
      'FORBIDDEN_COMMUNE',
    );
    expect((await env.api(staff, 'POST', `/api/live/${req.body.id}/approve`)).body.error.code).toBe('FORBIDDEN_ROLE');
    expect((await env.api(leader, 'POST', `/api/live/${req.body.id}/approve`)).body).toMatchObject({
      status: 'ready',
      approvedBy: 'lanhdao1',
    });
    expect(await feed(leader)).toMatch(/FORBIDDEN_ROLE/); // only the requester speaks in their session
    expect(await feed(staff)).toMatch(/"ok":true/);
    await env.api(staff, 'POST', `/api/live/${req.body.id}/end`);
    expect((await env.api(null, 'POST', '/api/live', { hamlets: ['xa1-ap1'] })).status).toBe(401);
    // the request's schema: coded errors, as the service's
    for (const [body, code] of [
      [{ hamlets: 5 }, 'HAMLETS_EMPTY'],
      [{ hamlets: [] }, 'HAMLETS_EMPTY'],
      [{ hamlets: 'all', emergency: 'yes' }, 'INVALID_INPUT'],
    ] as const) {
      const bad = await env.api(leader, 'POST', '/api/live', body);
      expect([bad.status, bad.body.error?.code], JSON.stringify(body)).toEqual([400, code]);
    }
  });

  it('a stream on an open mount, in a document the commune did not sign, makes no speaker talk', async () => {
    const open = new ToneStation(icecast, '/mo-cong-khai.mp3', 600);
    await open.start();
    try {
      const s = SPEAKERS[0];
      const doc: ScheduleDocument = {
        v: 1,
        commune: '90001',
        speaker: s.id,
        hamlet: s.hamlet,
        version: 1_000_000,
        issuedAt: new Date().toISOString(),
        horizon: new Date(Date.now() + 86_400_000).toISOString(),
        items: [
          {
            announcement: 'gia-mao',
            title: 'Giả mạo',
            priority: 'emergency',
            volume: 100,
            repeats: 1,
            validityS: 600,
            occurrences: [new Date().toISOString()],
            audio: {
              sha256: 'a'.repeat(64),
              path: `/audio/${'a'.repeat(64)}`,
              bytes: 10,
              durationS: 1,
              mime: 'audio/wav',
            },
            source: { kind: 'live', url: open.url, format: 'mp3', durationS: 600, by: 'ke-gian' },
          },
        ],
      };
      // the broker is "hijacked": the console's own account publishes a document signed by another key
      await env.console.mqtt.publishAsync(
        topicFor(s.id, 'schedule'),
        Buffer.from(JSON.stringify(signSchedule(doc, generateScheduleKeys().privateKey))),
        { qos: 1, retain: true },
      );
      await waitFor(() => speakers.logText(s.id).includes('schedule refused'), 20_000, 'refusal');
      expect(speakers.logText(s.id)).toMatch(/"reason":"bad-signature"/);
      expect(existsSync(speakers.pcm(s.id, 2))).toBe(false);
    } finally {
      await open.cut();
    }
  });
});

describe('a lost feed comes back by itself', () => {
  it('the encoder dies mid-session: the session stays on air, the leader sees it reconnect, the audit records it', {
    timeout: 90_000,
  }, async () => {
    const leader = await env.login('lanhdao1');
    const s = await env.api(leader, 'POST', '/api/live', { hamlets: ['xa1-ap1'] });
    const feed = feedFrom(dir, env, leader, s.body.id, 'lost-mic');
    try {
      await waitFor(
        async () => (await env.api(leader, 'GET', `/api/live/${s.body.id}`)).body.feed?.state === 'on-air',
        30_000,
        'feed on air',
      );
      process.kill(env.console.live!.feederOf(s.body.id)!.pid!, 'SIGKILL');
      const seen = new Set<string>();
      const back = await waitFor(
        async () => {
          const r = (await env.api(leader, 'GET', `/api/live/${s.body.id}`)).body;
          seen.add(r.feed.state);
          return r.feed.restarts >= 1 && r.feed.state === 'on-air' && r;
        },
        30_000,
        'feed back on air',
      );
      expect(back.status).toBe('on-air');
      expect(back.feed.detail).toMatch(/killed/);
      const actions = (await env.api(leader, 'GET', '/api/audit')).body.items.map((a: { action: string }) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['live.feed-lost', 'live.feed-restored']));
    } finally {
      feed.close();
      await env.api(leader, 'POST', `/api/live/${s.body.id}/end`);
    }
  });
});
