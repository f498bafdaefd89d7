import { createHash } from 'node:crypto';
import { fail } from '../errors.ts';
import type { AudioMeta } from '../model.ts';
import { isWav, parseWav } from './wav.ts';
import { looksLikeMp3, parseMp3 } from './mp3.ts';

export type AudioLimits = { maxBytes: number; maxDurationS: number };

/** Magic bytes decide the type (never the file name or the client's Content-Type); then the structure is walked. */
export function inspectAudio(buf: Buffer, limits: AudioLimits): AudioMeta {
  if (buf.length === 0) fail('AUDIO_EMPTY');
  if (buf.length > limits.maxBytes) fail('AUDIO_TOO_LARGE', `Tối đa ${formatMb(limits.maxBytes)}.`);
  let durationS: number;
  let mime: AudioMeta['mime'];
  if (isWav(buf)) {
    const info = parseWav(buf);
    if ('error' in info) fail('AUDIO_NOT_AUDIO', '(WAV hỏng)');
    durationS = info.durationS;
    mime = 'audio/wav';
  } else if (looksLikeMp3(buf)) {
    const info = parseMp3(buf);
    if ('error' in info) fail('AUDIO_NOT_AUDIO', '(MP3 hỏng)');
    durationS = info.durationS;
    mime = 'audio/mpeg';
  } else {
    fail('AUDIO_NOT_AUDIO');
  }
  if (!(durationS > 0.05)) fail('AUDIO_EMPTY');
  if (durationS > limits.maxDurationS) fail('AUDIO_TOO_LONG', `Tối đa ${Math.round(limits.maxDurationS / 60)} phút.`);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  return { sha256, mime, bytes: buf.length, durationS: Math.round(durationS * 1000) / 1000 };
}

/**
 * A browser recording (MediaRecorder: WebM or Ogg with Opus) carries no trustworthy duration in its header:
 * only its container magic and size are checked here; ffmpeg decodes it and the normalized MP3 is inspected.
 */
export function inspectRecording(buf: Buffer, limits: AudioLimits): void {
  if (buf.length === 0) fail('AUDIO_EMPTY');
  if (buf.length > limits.maxBytes) fail('AUDIO_TOO_LARGE', `Tối đa ${formatMb(limits.maxBytes)}.`);
  const webm = buf.length >= 4 && buf.readUInt32BE(0) === 0x1a45dfa3;
  const ogg = buf.length >= 4 && buf.toString('latin1', 0, 4) === 'OggS';
  if (!webm && !ogg && !isWav(buf) && !looksLikeMp3(buf)) fail('AUDIO_NOT_AUDIO');
}

function formatMb(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}
