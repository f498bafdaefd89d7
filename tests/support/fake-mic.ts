import type { Browser } from 'playwright-core';
import { ffmpegGenerate } from '../sound/audio-gen.ts';
import { launchChromium } from './chromium.ts';

/**
 * Chromium whose fake microphone plays a mono sine tone (written to `dir` as mic.wav) and grants the
 * microphone without asking; `volume` is ffmpeg's volume filter argument ("6", "-24dB").
 */
export function launchWithFakeMic(
  dir: string,
  tone: { frequency: number; seconds: number; volume: string },
  extraArgs: string[] = [],
): Promise<Browser> {
  const mic = ffmpegGenerate(
    dir,
    'mic.wav',
    `sine=frequency=${tone.frequency}:sample_rate=48000:duration=${tone.seconds}`,
    ['-af', `volume=${tone.volume}`, '-ac', '1', '-c:a', 'pcm_s16le'],
  );
  return launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${mic}`,
    ...extraArgs,
  ]);
}
