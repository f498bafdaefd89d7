import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../infra/run-command.ts';

/**
 * Every audio that reaches a speaker is brought to one loudness (EBU R128) so that no hamlet is blasted by one
 * file and barely hears the next. Two-pass ffmpeg loudnorm: the first pass measures, the second applies one
 * linear gain (no pumping on speech), then the result is encoded once as mono MP3 (what every speaker plays).
 */
export type LoudnessTarget = {
  ffmpeg: string;
  /** integrated loudness, LUFS: -16 is the usual target for speech on small outdoor horns and phones */
  integratedLufs: number;
  /** true peak ceiling, dBTP */
  truePeakDb: number;
  /** loudness range, LU */
  lra: number;
  /** MP3 bitrate of the stored result, kbit/s */
  bitrateKbps: number;
  timeoutMs: number;
};

export const DEFAULT_LOUDNESS: LoudnessTarget = {
  ffmpeg: '/usr/bin/ffmpeg',
  integratedLufs: -16,
  truePeakDb: -1.5,
  lra: 11,
  bitrateKbps: 64,
  timeoutMs: 120_000,
};

export type LoudnessMeasure = {
  integratedLufs: number;
  truePeakDb: number;
  lra: number;
  threshold: number;
  offset: number;
};

export interface LoudnessNormalizer {
  /** MP3 bytes of the same audio at the target loudness; rejects when the decoder cannot read it */
  normalize(audio: Buffer): Promise<Buffer>;
}

export class FfmpegLoudness implements LoudnessNormalizer {
  constructor(readonly target: LoudnessTarget = DEFAULT_LOUDNESS) {}

  async normalize(audio: Buffer): Promise<Buffer> {
    return withInputFile(audio, async (input) => {
      const m = await measureLoudness(input, this.target);
      const t = this.target;
      // silence (or near silence) has no loudness to correct: it is only re-encoded
      const filter =
        Number.isFinite(m.integratedLufs) && m.integratedLufs > -70 ? ['-af', await this.#gainChain(input, m)] : [];
      const { stdout } = await ffmpeg(
        t.ffmpeg,
        [
          '-i',
          input,
          ...filter,
          '-ar',
          '44100',
          '-ac',
          '1',
          '-map_metadata',
          '-1',
          '-id3v2_version',
          '0',
          '-c:a',
          'libmp3lame',
          '-b:a',
          `${t.bitrateKbps}k`,
          '-f',
          'mp3',
          'pipe:1',
        ],
        t.timeoutMs,
      );
      return stdout;
    });
  }

  /**
   * One linear gain to the target, then a look-ahead peak limiter for the peaks the gain pushes over the
   * ceiling. (loudnorm's own linear mode gives up on speech with high peaks and falls back to its dynamic
   * mode, which lands 1–2 LU off on short clips.) The limiter takes some loudness off peaky speech, so the
   * chain is measured and the gain corrected, up to three times.
   */
  async #gainChain(input: string, m: LoudnessMeasure): Promise<string> {
    const t = this.target;
    // 1 dB below the true-peak ceiling: the limiter works on samples, the MP3 encoder adds a little overshoot
    const limit = (10 ** ((t.truePeakDb - 1) / 20)).toFixed(4);
    const chain = (gainDb: number) =>
      `aresample=48000,volume=${gainDb.toFixed(2)}dB,alimiter=limit=${limit}:attack=5:release=50:level=0`;
    let gainDb = t.integratedLufs - m.integratedLufs;
    // no peak goes over the ceiling: the limiter does nothing and the gain is exact, nothing to re-measure
    if (m.truePeakDb + gainDb <= t.truePeakDb - 1) return chain(gainDb);
    for (let i = 0; i < 3; i++) {
      const got = await measureLoudness(input, t, chain(gainDb));
      const miss = t.integratedLufs - got.integratedLufs;
      if (!Number.isFinite(miss) || Math.abs(miss) <= 0.3) break;
      gainDb += miss;
    }
    return chain(gainDb);
  }
}

/** ffmpeg's loudnorm measurement of a file (or bytes): integrated LUFS, true peak, range. */
export async function measureLoudness(
  input: string | Buffer,
  target: Pick<LoudnessTarget, 'ffmpeg' | 'integratedLufs' | 'truePeakDb' | 'lra' | 'timeoutMs'> = DEFAULT_LOUDNESS,
  preFilter?: string,
): Promise<LoudnessMeasure> {
  if (Buffer.isBuffer(input)) return withInputFile(input, (f) => measureLoudness(f, target, preFilter));
  const { stderr } = await ffmpeg(
    target.ffmpeg,
    [
      '-i',
      input,
      '-af',
      `${preFilter ? `${preFilter},` : ''}loudnorm=I=${target.integratedLufs}:TP=${target.truePeakDb}:LRA=${target.lra}:print_format=json`,
      '-f',
      'null',
      '-',
    ],
    target.timeoutMs,
  );
  const json = stderr.slice(stderr.lastIndexOf('{'), stderr.lastIndexOf('}') + 1);
  let raw: Record<string, string>;
  try {
    raw = JSON.parse(json) as Record<string, string>;
  } catch {
    throw new Error(`ffmpeg loudnorm printed no measurement: ${stderr.slice(-300)}`);
  }
  const num = (k: string) => (raw[k] === '-inf' ? -Infinity : raw[k] === 'inf' ? Infinity : Number(raw[k]));
  return {
    integratedLufs: num('input_i'),
    truePeakDb: num('input_tp'),
    lra: num('input_lra'),
    threshold: num('input_thresh'),
    offset: num('target_offset'),
  };
}

async function withInputFile<T>(bytes: Buffer, fn: (path: string) => Promise<T>): Promise<T> {
  // a file, not stdin: some containers (a WAV with a streamed header, MP4 from a browser) need seeking
  const dir = mkdtempSync(join(tmpdir(), 'tt-loud-'));
  try {
    const path = join(dir, 'in');
    writeFileSync(path, bytes);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ffmpeg(bin: string, args: string[], timeoutMs: number): Promise<{ stdout: Buffer; stderr: string }> {
  return runCommand(bin, ['-hide_banner', '-nostats', '-nostdin', '-threads', '1', ...args], timeoutMs);
}
