import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOUDNESS, FfmpegLoudness, measureLoudness } from '../../console/audio/loudness.ts';
import { EspeakTts } from '../../console/audio/tts.ts';
import { inspectAudio } from '../../console/audio/validate.ts';
import { tempDir } from '../harness/temp.ts';
import { ffmpegGenerate } from '../sound/audio-gen.ts';
import { consoleEnv, type Env } from './helpers.ts';

const TARGET = DEFAULT_LOUDNESS.integratedLufs;
const TOLERANCE_LU = 1;
const dir = tempDir('tt-loud-test-');
const normalizer = new FfmpegLoudness();
const limits = { maxBytes: 20 * 1024 * 1024, maxDurationS: 120 };

// a whisper-quiet tone and a near-clipping noise: 30+ LU apart before normalization
const quietWav = () =>
  readFileSync(
    ffmpegGenerate(dir, 'quiet.wav', 'sine=frequency=440:duration=6:sample_rate=16000', [
      '-af',
      'volume=-38dB',
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
    ]),
  );
const loudMp3 = () =>
  readFileSync(
    ffmpegGenerate(dir, 'loud.mp3', 'aevalsrc=0.95*sin(2*PI*1000*t)*(0.6+0.4*sin(2*PI*3*t)):d=6:s=44100', [
      '-ac',
      '1',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '128k',
    ]),
  );

describe('loudness normalization (EBU R128, ffmpeg loudnorm)', () => {
  it(`brings a quiet wav and a loud mp3 to ${TARGET} LUFS ± ${TOLERANCE_LU}`, async () => {
    for (const input of [quietWav(), loudMp3()]) {
      const before = await measureLoudness(input);
      expect(Math.abs(before.integratedLufs - TARGET)).toBeGreaterThan(8); // the control: they really were off
      const out = await normalizer.normalize(input);
      expect(inspectAudio(out, limits).mime).toBe('audio/mpeg');
      const after = await measureLoudness(out);
      expect(Math.abs(after.integratedLufs - TARGET), JSON.stringify({ before, after })).toBeLessThanOrEqual(
        TOLERANCE_LU,
      );
      expect(after.truePeakDb).toBeLessThanOrEqual(DEFAULT_LOUDNESS.truePeakDb + 0.5);
    }
  });

  it('synthesized speech (espeak-ng) too', async () => {
    const wav = await new EspeakTts({ bin: '/usr/bin/espeak-ng', voice: 'vi', speed: 140 }).synthesize(
      'Kính thưa bà con, chiều nay lúc 14 giờ, ấp Tân Hòa họp dân tại nhà văn hóa. Đề nghị bà con đến đúng giờ.',
    );
    const after = await measureLoudness(await normalizer.normalize(wav));
    expect(Math.abs(after.integratedLufs - TARGET)).toBeLessThanOrEqual(TOLERANCE_LU);
  });

  it('a browser-style recording (WebM/Opus) too', async () => {
    const webm = readFileSync(
      ffmpegGenerate(dir, 'rec.webm', 'sine=frequency=523:duration=5:sample_rate=48000', [
        '-af',
        'volume=-30dB',
        '-c:a',
        'libopus',
        '-b:a',
        '32k',
      ]),
    );
    const after = await measureLoudness(await normalizer.normalize(webm));
    expect(Math.abs(after.integratedLufs - TARGET)).toBeLessThanOrEqual(TOLERANCE_LU);
  });

  it('silence stays silence (no gain blown up from nothing)', async () => {
    const silent = readFileSync(
      ffmpegGenerate(dir, 'silent.wav', 'anullsrc=r=16000:cl=mono', ['-t', '3', '-c:a', 'pcm_s16le']),
    );
    const after = await measureLoudness(await normalizer.normalize(silent));
    expect(after.integratedLufs).toBeLessThan(-60);
  });
});

describe('through the console: every stored audio is normalized', () => {
  let env: Env;
  let staff: string;
  beforeAll(async () => {
    env = await consoleEnv();
    staff = await env.login('canbo1');
  });
  const upload = (bytes: Buffer, field: string, name: string) => {
    const fd = new FormData();
    fd.append(field, new Blob([new Uint8Array(bytes)]), name);
    return env.api(staff, 'POST', '/api/audio', fd);
  };
  const served = async (sha: string) =>
    Buffer.from(await (await fetch(`${env.console.url}/audio/${sha}`)).arrayBuffer());

  it('an uploaded file and a recording are served at the target loudness', async () => {
    const up = await upload(quietWav(), 'file', 'nho.wav');
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.audio.mime).toBe('audio/mpeg');
    const rec = await upload(
      readFileSync(
        ffmpegGenerate(dir, 'rec2.webm', 'sine=frequency=660:duration=4:sample_rate=48000', [
          '-af',
          'volume=-25dB',
          '-c:a',
          'libopus',
        ]),
      ),
      'recording',
      'ghi-am.webm',
    );
    expect(rec.status, JSON.stringify(rec.body)).toBe(200);
    for (const sha of [up.body.audio.sha256, rec.body.audio.sha256]) {
      const m = await measureLoudness(await served(sha));
      expect(Math.abs(m.integratedLufs - TARGET)).toBeLessThanOrEqual(TOLERANCE_LU);
    }
    const audit = (await env.api(staff, 'GET', '/api/audit')).body.items as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['audio.upload', 'audio.record']));
  });

  it('a text announcement’s synthesized audio is normalized', async () => {
    const r = await env.api(staff, 'POST', '/api/announcements', {
      title: 'Thông báo tiêm chủng',
      text: 'Sáng mai trạm y tế xã tiêm vắc xin cho trẻ em dưới năm tuổi.',
      hamlets: ['xa1-ap1'],
      schedule: { kind: 'once', at: `${new Date().getUTCFullYear() + 1}-03-01T07:30` },
      repeats: 1,
      volume: 70,
      priority: 'normal',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const m = await measureLoudness(await served(r.body.announcement.audio.sha256));
    expect(Math.abs(m.integratedLufs - TARGET)).toBeLessThanOrEqual(TOLERANCE_LU);
  });

  it('a "recording" the decoder cannot read is refused with a coded error, nothing stored', async () => {
    const garbage = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(5000, 0x42)]);
    const r = await upload(garbage, 'recording', 'hong.ogg');
    expect([r.status, r.body.error.code]).toEqual([422, 'AUDIO_NORMALIZE_FAILED']);
    const notAudio = await upload(Buffer.from('<html>'), 'recording', 'x.webm');
    expect(notAudio.body.error.code).toBe('AUDIO_NOT_AUDIO');
  });
});
