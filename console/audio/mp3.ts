/**
 * MPEG audio (layer III) frame walking: an MP3 is trusted only if it is a chain of valid frame headers
 * (after an optional ID3v2 tag) up to its end or an ID3v1 tag; duration = samples / sample rate.
 */
export type Mp3Info = { frames: number; sampleRate: number; durationS: number };

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

type Frame = { length: number; samples: number; sampleRate: number };

export function frameAt(buf: Buffer, pos: number): Frame | null {
  if (pos + 4 > buf.length) return null;
  const b1 = buf[pos + 1],
    b2 = buf[pos + 2];
  if (buf[pos] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5, 1 reserved
  const layer = (b1 >> 1) & 3; // 1 = layer III
  if (version === 1 || layer !== 1) return null;
  const bitrateIndex = b2 >> 4,
    rateIndex = (b2 >> 2) & 3,
    padding = (b2 >> 1) & 1;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const sampleRate = RATES[version][rateIndex];
  const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex];
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
  return { length, samples, sampleRate };
}

function id3v2Length(buf: Buffer): number {
  if (buf.length < 10 || buf.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((buf[6] & 0x7f) << 21) | ((buf[7] & 0x7f) << 14) | ((buf[8] & 0x7f) << 7) | (buf[9] & 0x7f);
  return 10 + size + (buf[5] & 0x10 ? 10 : 0);
}

export function looksLikeMp3(buf: Buffer): boolean {
  const start = id3v2Length(buf);
  return (start > 0 && start < buf.length) || frameAt(buf, 0) !== null;
}

export function parseMp3(buf: Buffer): Mp3Info | { error: string } {
  let pos = id3v2Length(buf);
  if (pos > buf.length) return { error: 'ID3 tag longer than file' };
  let frames = 0,
    samples = 0,
    sampleRate = 0;
  while (pos < buf.length) {
    if (buf.length - pos === 128 && buf.toString('latin1', pos, pos + 3) === 'TAG') break; // ID3v1
    const f = frameAt(buf, pos);
    if (!f) {
      // a cut last frame is common; garbage in the middle is not
      if (frames >= 2 && buf.length - pos < 4) break;
      return { error: `no MPEG frame at byte ${pos}` };
    }
    if (sampleRate && f.sampleRate !== sampleRate) return { error: 'sample rate changes between frames' };
    sampleRate = f.sampleRate;
    frames++;
    samples += f.samples;
    pos += f.length;
  }
  if (frames < 2) return { error: 'fewer than 2 MPEG frames' };
  return { frames, sampleRate, durationS: samples / sampleRate };
}

/** A structurally valid MP3 of `frames` silent MPEG1 layer III frames, 128 kbit/s, 44.1 kHz (tests). */
export function makeMp3(frames: number): Buffer {
  const frame = Buffer.alloc(417); // 144 * 128000 / 44100 = 417
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}
