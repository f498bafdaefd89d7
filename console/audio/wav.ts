/**
 * RIFF/WAVE header parsing (enough to trust a file before a speaker plays it): the fmt chunk must describe
 * PCM or IEEE float audio with sane values and a data chunk must follow; duration = data bytes / byte rate.
 */
export type WavInfo = {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  durationS: number;
};

export function isWav(buf: Buffer): boolean {
  return buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE';
}

export function parseWav(buf: Buffer): WavInfo | { error: string } {
  if (!isWav(buf)) return { error: 'not RIFF/WAVE' };
  let pos = 12;
  let fmt:
    | (Omit<WavInfo, 'dataBytes' | 'durationS'> & { byteRate: number; blockAlign: number; format: number })
    | undefined;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { error: 'fmt chunk too short' };
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        blockAlign: buf.readUInt16LE(body + 12),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) return { error: 'data chunk before fmt chunk' };
      const problem = checkFmt(fmt);
      if (problem) return { error: problem };
      // a streamed header (e.g. espeak --stdout) announces 0x7fffffff bytes: trust only what is there
      const dataBytes = Math.min(size, buf.length - body);
      const { channels, sampleRate, bitsPerSample, byteRate } = fmt;
      return { channels, sampleRate, bitsPerSample, dataBytes, durationS: dataBytes / byteRate };
    }
    pos = body + size + (size % 2); // chunks are word-aligned
  }
  return { error: fmt ? 'no data chunk' : 'no fmt chunk' };
}

function checkFmt(f: {
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
}): string | null {
  // 1 = PCM, 3 = IEEE float, 0xFFFE = WAVE_FORMAT_EXTENSIBLE
  if (![1, 3, 0xfffe].includes(f.format)) return `unsupported wav format ${f.format}`;
  if (f.channels < 1 || f.channels > 8) return `bad channel count ${f.channels}`;
  if (f.sampleRate < 4000 || f.sampleRate > 192_000) return `bad sample rate ${f.sampleRate}`;
  if (![8, 16, 24, 32].includes(f.bitsPerSample)) return `bad bits per sample ${f.bitsPerSample}`;
  if (f.blockAlign !== (f.channels * f.bitsPerSample) / 8) return 'block align does not match';
  if (f.byteRate !== f.sampleRate * f.blockAlign) return 'byte rate does not match';
  return null;
}

/** A PCM 16-bit mono WAV of the given samples (tests, silence). */
export function makeWav(samples: Int16Array, sampleRate = 16_000): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
