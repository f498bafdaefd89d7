import { describe, expect, it } from 'vitest';
import { makeMp3, parseMp3 } from '../../console/audio/mp3.ts';
import { makeWav, parseWav } from '../../console/audio/wav.ts';
import { inspectAudio } from '../../console/audio/validate.ts';
import { EspeakTts } from '../../console/audio/tts.ts';
import type { ConsoleError } from '../../console/errors.ts';

const limits = { maxBytes: 1024 * 1024, maxDurationS: 20 };
const code = (buf: Buffer, l = limits) => {
  try {
    inspectAudio(buf, l);
    return 'ok';
  } catch (err) {
    return (err as ConsoleError).code;
  }
};

describe('audio validation', () => {
  it('reads duration from a wav header', () => {
    const wav = makeWav(new Int16Array(16_000 * 3)); // 3 s at 16 kHz
    expect(parseWav(wav)).toMatchObject({ channels: 1, sampleRate: 16_000, bitsPerSample: 16, durationS: 3 });
    expect(inspectAudio(wav, limits)).toMatchObject({ mime: 'audio/wav', durationS: 3, bytes: wav.length });
  });

  it('walks mp3 frames for the duration, after an ID3v2 tag', () => {
    const mp3 = makeMp3(100); // 100 × 1152 samples at 44.1 kHz = 2.612 s
    expect((parseMp3(mp3) as { durationS: number }).durationS).toBeCloseTo(2.612, 3);
    const id3 = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 20]), Buffer.alloc(20), mp3]);
    expect(inspectAudio(id3, limits)).toMatchObject({ mime: 'audio/mpeg', durationS: 2.612 });
  });

  it('refuses non-audio, broken, empty, oversize and too long files by their bytes', () => {
    expect(code(Buffer.from('%PDF-1.7 not audio at all'))).toBe('AUDIO_NOT_AUDIO');
    expect(code(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe('AUDIO_NOT_AUDIO');
    expect(code(Buffer.alloc(0))).toBe('AUDIO_EMPTY');
    // a RIFF/WAVE header with no fmt/data chunks
    expect(code(Buffer.from('RIFF\x04\x00\x00\x00WAVE', 'latin1'))).toBe('AUDIO_NOT_AUDIO');
    // an mp3 whose frame chain is broken in the middle
    const broken = makeMp3(10);
    broken.fill(0x41, 2000, 2100);
    expect(code(broken)).toBe('AUDIO_NOT_AUDIO');
    expect(code(makeWav(new Int16Array(10)))).toBe('AUDIO_EMPTY');
    expect(code(makeWav(new Int16Array(16_000 * 21)), { maxBytes: 10 * 1024 * 1024, maxDurationS: 20 })).toBe(
      'AUDIO_TOO_LONG',
    );
    expect(code(makeWav(new Int16Array(16_000 * 40)))).toBe('AUDIO_TOO_LARGE');
  });

  it('espeak-ng speaks Vietnamese into a valid wav', async () => {
    const tts = new EspeakTts({ bin: '/usr/bin/espeak-ng', voice: 'vi', speed: 140 });
    const wav = await tts.synthesize('-- Kính thưa bà con: chiều nay 14 giờ họp dân tại nhà văn hóa ấp.');
    const meta = inspectAudio(wav, { maxBytes: 10 * 1024 * 1024, maxDurationS: 120 });
    expect(meta.mime).toBe('audio/wav');
    expect(meta.durationS).toBeGreaterThan(1);
  });
});
