import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Test audio made by the real ffmpeg from its lavfi generators (no files checked in). */
export function ffmpegGenerate(dir: string, name: string, source: string, outArgs: string[]): string {
  const out = join(dir, name);
  execFileSync('/usr/bin/ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    source,
    ...outArgs,
    out,
  ]);
  return out;
}

/** Decode any audio file to mono 16 kHz signed 16-bit samples. */
export function decodePcm(file: string, rate = 16_000): Int16Array {
  const raw = execFileSync(
    '/usr/bin/ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-i',
      file,
      '-f',
      's16le',
      '-ac',
      '1',
      '-ar',
      String(rate),
      'pipe:1',
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
}

/** Goertzel power of one frequency relative to the total power of the block (0..1). */
export function toneShare(samples: Int16Array, freq: number, rate = 16_000): number {
  if (samples.length === 0) return 0;
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0,
    s2 = 0,
    total = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return total === 0 ? 0 : (2 * power) / (samples.length * total);
}
