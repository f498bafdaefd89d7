import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '../../devices/topics.ts';
import { PASSWORD, waitFor } from '../console/helpers.ts';
import { ProvinceRig, SPEAKERS, type PlayRecord } from './province-rig.ts';
import { launchChromium, openConsole as signedInPage } from '../support/chromium.ts';

/**
 * A province emergency end to end, with real parts: the project broker (registry credentials), the collector
 * writing to the run's InfluxDB, the console, and one real bridge process per commune (firmware-bridge/main.ts,
 * speaker unit, fake IO, a fake player that plays as long as the WAV lasts and records each play and cut).
 * The registry is a two-tier province (real names and codes of Quảng Trị) with a key per unit.
 */
const rig = new ProvinceRig();
let observer: MqttClient;
let browser: Browser;
/** the latest retained state (relay on/off) each speaker published */
const relay = new Map<string, string>();
const statuses = new Map<string, { stopped?: { id: string; level: string } | null }>();

beforeAll(async () => {
  await rig.start();
  // the integration account may read every uplink channel: it watches the speakers' state and schedule-status
  observer = await mqtt.connectAsync(rig.brokerUrl, {
    clientId: 'node-red',
    username: 'node-red',
    password: rig.secrets['node-red'],
    protocolVersion: 4,
    reconnectPeriod: 500,
  });
  observer.on('message', (topic, payload) => {
    for (const s of SPEAKERS) {
      if (topic === topicFor(s.id, 'state')) relay.set(s.id, JSON.parse(payload.toString()).speaker?.relay);
      if (topic === topicFor(s.id, 'schedule-status')) statuses.set(s.id, JSON.parse(payload.toString()));
    }
  });
  await observer.subscribeAsync(
    SPEAKERS.flatMap((s) => [topicFor(s.id, 'state'), topicFor(s.id, 'schedule-status')]),
    { qos: 1 },
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await observer?.endAsync(true).catch(() => {});
  await rig.stop();
}, 60_000);

async function openConsole(username: string): Promise<Page> {
  return signedInPage(browser, rig.console.url, username, PASSWORD);
}

/** the roll-up rows of the "Điều hành loa" tab, reloaded: [commune name, played, failed, missed] */
async function rollupOnPage(page: Page): Promise<string[][]> {
  await page.click('#tabs button[data-view=list-view]');
  await page.click('#tabs button[data-view=broadcast-view]');
  await page.waitForSelector('#rollup-table tbody tr');
  return page.$$eval('#rollup-table tr.rollup-commune', (trs) =>
    trs.map((tr) => [...tr.children].slice(0, 4).map((c) => c.textContent ?? '')),
  );
}

const playsOf = (id: string, sha: string): PlayRecord[] => rig.plays(id).filter((p) => p.file.endsWith(sha));

describe('province emergency over three communes', () => {
  it('cuts a commune announcement, plays at once in every commune, logs reach InfluxDB, the roll-up shows it; stop now silences every speaker', async () => {
    const [a] = SPEAKERS;
    await waitFor(
      () => SPEAKERS.every((s) => rig.console.store.speakers.get(s.id)?.status === 'accepted'),
      60_000,
      'speakers accept their first documents',
    );

    const staffA = await rig.login('canbo-a');
    const leaderA = await rig.login('lanhdao-a');
    const leaderP = await rig.login('lanhdao-tinh');
    // quiet hours (default 21:00–05:30 Vietnam time) would refuse a normal announcement when the test runs at night
    const noQuiet = { policy: { quietHours: { periods: [], exempt: ['emergency'] }, volumeCaps: [] } };
    expect((await rig.api(leaderA, 'PUT', '/api/policy', noQuiet)).status).toBe(200);
    expect((await rig.api(leaderP, 'PUT', '/api/policy', noQuiet)).status).toBe(200);

    // commune A's normal announcement: 90 s of recorded audio at the next whole minute, two-person approved
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(rig.wav(90))], { type: 'audio/wav' }), 'thong-bao.wav');
    const upload = await rig.api(staffA, 'POST', '/api/audio', form);
    expect(upload.status).toBe(200);
    const when = rig.vietnamMinuteAhead(12_000);
    const created = await rig.api(staffA, 'POST', '/api/announcements', {
      title: 'Thông báo lịch thu gom rác',
      audio: upload.body.audio.sha256,
      hamlets: 'all',
      priority: 'normal',
      volume: 60,
      schedule: { kind: 'once', at: when.local },
    });
    expect(created.status).toBe(201);
    const normal = created.body.id as string;
    expect((await rig.api(staffA, 'POST', `/api/announcements/${normal}/submit`)).status).toBe(200);
    expect((await rig.api(leaderA, 'POST', `/api/announcements/${normal}/approve`)).body.status).toBe('approved');
    const normalSha = upload.body.audio.sha256 as string;

    // it plays on commune A's speaker, relay on
    await waitFor(
      () => playsOf(a.id, normalSha).some((p) => p.event === 'play'),
      120_000,
      'the normal announcement starts',
    );
    await waitFor(() => relay.get(a.id) === 'on', 30_000, 'relay of A on');
    expect(playsOf(a.id, normalSha).some((p) => p.event === 'end')).toBe(false);

    // the province leader issues an emergency in Chromium (one leader alone; the province is these three communes)
    const page = await openConsole('lanhdao-tinh');
    expect(await page.textContent('#who-role')).toMatch(/^Lãnh đạo tỉnh/);
    await page.click('#tabs button[data-view=emergency-view]');
    await page.fill('#emergency-form [name=title]', 'Cảnh báo lũ quét');
    await page.fill(
      '#emergency-form [name=text]',
      'Khẩn cấp. Lũ quét trên sông Gianh, bà con di chuyển ngay lên chỗ cao.',
    );
    await page.click('#emergency-form button[type=submit]');
    await page.waitForSelector('#detail-info[data-status=approved]', { timeout: 60_000 });
    const list = await rig.api(leaderP, 'GET', '/api/announcements');
    const em = list.body.items.find((x: { title: string }) => x.title === 'Cảnh báo lũ quét');
    expect(em).toMatchObject({ priority: 'emergency', level: 'province', targets: 'all' });
    const emergency = em.id as string;
    const emSha = (await rig.api(leaderP, 'GET', `/api/announcements/${emergency}`)).body.announcement.audio
      .sha256 as string;

    // A's announcement is cut where it was playing; the emergency plays on every speaker, to its end
    await waitFor(() => playsOf(a.id, normalSha).find((p) => p.event === 'end'), 30_000, 'the normal announcement cut');
    expect(playsOf(a.id, normalSha).find((p) => p.event === 'end')).toMatchObject({ stopped: true });
    for (const s of SPEAKERS) {
      const ended = await waitFor(
        () => playsOf(s.id, emSha).find((p) => p.event === 'end'),
        60_000,
        `emergency played on ${s.id}`,
      );
      expect(ended).toMatchObject({ stopped: false, volume: 100 });
    }
    // on A the cut came before the emergency started: one sound at a time
    const cutAt = playsOf(a.id, normalSha).find((p) => p.event === 'end')!.endedAt!;
    expect(playsOf(a.id, emSha)[0].startedAt).toBeGreaterThanOrEqual(cutAt);

    // the logs reach InfluxDB: played for the emergency in all three communes, failed/preempted for A's announcement
    const rows = await waitFor(
      async () => {
        const r = await rig.influx.query<{
          device: string;
          outcome: string;
          reason: string | null;
          announcement: string;
        }>(`SELECT * FROM broadcast_log WHERE announcement = '${emergency}' OR announcement = '${normal}'`);
        return r.length >= 4 && r;
      },
      60_000,
      'broadcast_log points',
    );
    expect(
      rows
        .filter((r) => r.announcement === emergency)
        .map((r) => [r.device, r.outcome])
        .sort(),
    ).toEqual(SPEAKERS.map((s) => [s.id, 'played']));
    expect(rows.filter((r) => r.announcement === normal).map((r) => [r.device, r.outcome, r.reason])).toEqual([
      [a.id, 'failed', 'preempted'],
    ]);

    // the console's roll-up: one played per commune for the emergency, by commune name
    const roll = await waitFor(
      async () => {
        const r = await rig.api(leaderP, 'GET', `/api/rollup?announcement=${emergency}`);
        return r.body.communes?.every((x: { counts: { played: number } }) => x.counts.played === 1) && r.body;
      },
      30_000,
      'roll-up shows played',
    );
    expect(
      roll.communes.map((x: { code: string; name: string; counts: unknown }) => [x.code, x.name, x.counts]),
    ).toEqual(SPEAKERS.map((s) => [s.commune, s.communeName, { played: 1, failed: 0, missed: 0 }]));
    // and the page: per commune by name, played (A also has its cut announcement, failed)
    const onPage = [[a.communeName, '1', '1', '0'], ...SPEAKERS.slice(1).map((s) => [s.communeName, '1', '0', '0'])];
    let rows24: string[][] = [];
    await waitFor(
      async () => JSON.stringify((rows24 = await rollupOnPage(page))) === JSON.stringify(onPage),
      30_000,
      'roll-up on the page',
    ).catch(() => {});
    expect(rows24).toEqual(onPage);
    // commune A's own announcement shows the cut
    const rollA = await waitFor(
      async () => {
        const r = await rig.api(leaderA, 'GET', `/api/rollup?announcement=${normal}`);
        return r.body.communes?.[0]?.counts.failed === 1 && r;
      },
      30_000,
      'roll-up of the cut announcement',
    );
    expect(rollA.body.communes.map((x: { code: string; counts: unknown }) => [x.code, x.counts])).toEqual([
      [a.commune, { played: 0, failed: 1, missed: 0 }],
    ]);

    // a second, long warning is on the air in all three communes when the province leader presses stop now
    const em2 = await rig.api(leaderP, 'POST', '/api/emergency', {
      title: 'Cảnh báo lũ quét (nhắc lại)',
      text: rig.longWarning(),
      communes: SPEAKERS.map((s) => s.commune),
      hamlets: 'all',
    });
    expect(em2.status).toBe(201);
    const em2Sha = em2.body.announcement.audio.sha256 as string;
    for (const s of SPEAKERS)
      await waitFor(() => playsOf(s.id, em2Sha).some((p) => p.event === 'play'), 60_000, `second warning on ${s.id}`);
    // a state published after the warning started says the relay is on
    for (const s of SPEAKERS) relay.delete(s.id);
    await waitFor(() => SPEAKERS.every((s) => relay.get(s.id) === 'on'), 30_000, 'every relay on');

    // "Dừng phát ngay" in Chromium, over the three communes chosen
    await page.click('#tabs button[data-view=list-view]');
    await page.click('#tabs button[data-view=broadcast-view]');
    await page.selectOption(
      '#stop-communes',
      SPEAKERS.map((s) => s.commune),
    );
    await page.click('#stop-now');
    await page.waitForSelector('#stops-list li');
    expect(await page.textContent('#stops-list li')).toMatch(/Cấp tỉnh · 3 xã/);
    const stops = (await rig.api(leaderP, 'GET', '/api/stops')).body.items.filter((x: { active: boolean }) => x.active);
    expect(stops).toHaveLength(1);
    const stop = { body: stops[0] as { id: string; communes: string[] } };
    expect([...stop.body.communes].sort()).toEqual(SPEAKERS.map((s) => s.commune).sort());
    for (const s of SPEAKERS) {
      const cut = await waitFor(
        () => playsOf(s.id, em2Sha).find((p) => p.event === 'end'),
        30_000,
        `second warning cut on ${s.id}`,
      );
      expect(cut.stopped).toBe(true);
    }
    await waitFor(() => SPEAKERS.every((s) => relay.get(s.id) === 'off'), 30_000, 'every relay off');
    await waitFor(
      () => SPEAKERS.every((s) => statuses.get(s.id)?.stopped?.id === stop.body.id),
      30_000,
      'every speaker reports the stop',
    );
    expect(SPEAKERS.map((s) => statuses.get(s.id)?.stopped?.level)).toEqual(['province', 'province', 'province']);
    const stopped = await waitFor(
      async () => {
        const r = await rig.influx.query<{ device: string; outcome: string; reason: string }>(
          `SELECT * FROM broadcast_log WHERE announcement = '${em2.body.id}'`,
        );
        return r.length >= 3 && r;
      },
      60_000,
      'stop logs',
    );
    expect(stopped.map((r) => [r.device, r.outcome, r.reason]).sort()).toEqual(
      SPEAKERS.map((s) => [s.id, 'failed', 'stopped']),
    );
  }, 240_000);
});
