import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaStopOrder } from '../../devices/contract/broadcast.ts';
import { verifyAreaStop } from '../../devices/schedule-signature.ts';
import { areaStopTopic } from '../../devices/topics.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { AudioFiles } from '../../console/audio/files.ts';
import { FfmpegLoudness } from '../../console/audio/loudness.ts';
import { AudioService } from '../../console/audio/service.ts';
import { EspeakTts } from '../../console/audio/tts.ts';
import { parseConfig } from '../../console/config.ts';
import { Store } from '../../console/store/index.ts';
import { tempDir } from '../harness/temp.ts';
import { provinceLeaderEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let tinhLeader: string, leader1: string;
beforeAll(async () => {
  ({ env, tinhLeader, leader1 } = await provinceLeaderEnv());
});
afterAll(async () => {
  await env?.console.close();
  await env?.broker.close();
});

describe('the area stop order: one signed message per unit that all its speakers read (through the project broker)', () => {
  it("a province stop reaches a speaker on the province's topic, signed with the province key; a resume sends a newer order without it", async () => {
    const speaker = await env.speakerClient('xa2-ap2-loa');
    const topic = areaStopTopic('province', '99');
    const orders: AreaStopOrder[] = [];
    const refused: string[] = [];
    speaker.on('message', (t, payload) => {
      if (t !== topic) return;
      const r = verifyAreaStop(JSON.parse(payload.toString()), env.console.keys.get('99')!.publicKeyPem, {
        issuer: { level: 'province', code: '99' },
        minVersion: 1,
      });
      if (r.ok) orders.push(r.order);
      else refused.push(r.reason);
    });
    await speaker.subscribeAsync(topic, { qos: 0 });
    // the broker refuses a speaker another commune's stop topic
    const other = await speaker
      .subscribeAsync(areaStopTopic('commune', '90001'), { qos: 0 })
      .catch((err: { granted?: unknown }) => err);
    expect(JSON.stringify(other)).toMatch(/128/);
    const stop = await env.api(tinhLeader, 'POST', '/api/stops', { communes: ['90002'] });
    expect(stop.status).toBe(201);
    const first = await waitFor(() => orders.find((o) => o.stops.length > 0), 20_000, 'the area stop order');
    expect(first).toMatchObject({
      issuer: { level: 'province', code: '99' },
      stops: [{ id: stop.body.id, until: null, communes: ['90002'] }],
    });
    expect((await env.api(tinhLeader, 'POST', `/api/stops/${stop.body.id}/resume`)).status).toBe(200);
    const lifted = await waitFor(() => orders.find((o) => o.version > first.version), 20_000, 'the resume');
    expect(lifted.stops).toEqual([]);
    // a commune leader's stop goes on the commune's own topic, signed with the commune key
    const own = await env.api(leader1, 'POST', '/api/stops', {});
    await waitFor(
      () => env.console.store.signedDocuments.get(areaStopTopic('commune', '90001')),
      20_000,
      'the commune order',
    );
    const held = JSON.parse(
      env.console.store.signedDocuments.get(areaStopTopic('commune', '90001'))!.payload.toString(),
    );
    const r = verifyAreaStop(held, env.console.keys.get('90001')!.publicKeyPem, {
      issuer: { level: 'commune', code: '90001' },
      minVersion: 1,
    });
    expect(r.ok && r.order.stops.map((s) => [s.id, s.communes])).toEqual([[own.body.id, ['90001']]]);
    expect(refused).toEqual([]);
  });
});

describe('speech made ahead ("Nghe thử"): issuing the same words reuses it', () => {
  it('POST /api/speech synthesizes once; the emergency with the same text carries that audio', async () => {
    const text = 'Lũ lớn trên sông, bà con di chuyển lên vùng cao ngay.';
    const speech = await env.api(tinhLeader, 'POST', '/api/speech', { text });
    expect(speech.status).toBe(200);
    expect(speech.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      audio: { sha256: speech.body.id, mime: 'audio/mpeg' },
      url: `/audio/${speech.body.id}`,
    });
    expect((await env.api(tinhLeader, 'POST', '/api/speech', { text: '   ' })).body.error.code).toBe('TEXT_EMPTY');
    expect((await env.api(null, 'POST', '/api/speech', { text })).status).toBe(401);
    const e = await env.api(tinhLeader, 'POST', '/api/emergency', {
      title: 'Lũ khẩn cấp',
      text,
      communes: 'all',
      hamlets: 'all',
    });
    expect(e.status).toBe(201);
    expect(e.body.announcement.audio.sha256).toBe(speech.body.id);
  });

  it('the synthesis runs once for the same words, again after its file is gone, and a failure is not kept', async () => {
    const dir = tempDir('tt-speech-');
    const config = parseConfig({
      dataDir: dir,
      registryPath: 'in-memory',
      mqtt: { url: 'mqtt://127.0.0.1:1', username: 'console', password: 'x' },
    });
    const espeak = new EspeakTts({ bin: config.tts.bin, voice: config.tts.voice, speed: config.tts.speed });
    let calls = 0;
    let failNext = false;
    const tts = {
      name: 'espeak-ng',
      synthesize: (t: string) => (
        calls++, failNext ? ((failNext = false), Promise.reject(new Error('broken'))) : espeak.synthesize(t)
      ),
    };
    const store = Store.open(join(dir, 'console.db'));
    const files = new AudioFiles(join(dir, 'audio'));
    const audio = new AudioService({
      store,
      files,
      tts,
      loudness: new FfmpegLoudness(config.audio.loudness),
      limits: config.audio,
      clock: systemClock,
      log: silentLogger,
    });
    const [a, b] = await Promise.all([
      audio.speak('Xin chào bà con.', '90001'),
      audio.speak('Xin chào bà con.', '90002'),
    ]);
    expect(b.sha256).toBe(a.sha256);
    expect(calls).toBe(1);
    expect(store.audio.ownedBy(a.sha256, '90002')).toBe(true);
    failNext = true;
    await expect(audio.speak('Một câu khác.', '90001')).rejects.toMatchObject({ code: 'TTS_FAILED' });
    await audio.speak('Một câu khác.', '90001');
    expect(calls).toBe(3);
    // the file of the first speech removed: made again
    rmSync(files.path(a.sha256));
    expect((await audio.speak('Xin chào bà con.', '90001')).sha256).toBe(a.sha256);
    expect(calls).toBe(4);
    store.close();
  });
});
