import { crc32 } from 'node:zlib';

/**
 * Journal framing: [u32 LE body length][u32 LE CRC32 of body][body: UTF-8 JSON].
 * A power cut can tear the last frame; reading stops at the first frame whose length runs past the
 * end, whose CRC does not match or whose body is not JSON, and everything from there is dropped.
 */
export const HEADER_BYTES = 8;
/** a record is one rating or broadcast log (a few hundred bytes); anything far larger is garbage */
export const MAX_FRAME_BODY = 1024 * 1024;

export function encodeFrame(record: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(record), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

export type DecodedFrames = {
  records: { value: unknown; bytes: number }[];
  /** bytes from the start that hold whole, valid frames */
  goodBytes: number;
  /** what follows the last good frame of that prefix (torn write, garbage, or a corrupt region) */
  badBytes: number;
  /** valid frames found after a corrupt region (a bad sector mid-file, not a torn tail); included in `records` */
  salvaged: number;
};

/** the frame at `off`, or null when none starts there */
function frameAt(buf: Buffer, off: number): { value: unknown; bytes: number } | null {
  if (off + HEADER_BYTES > buf.length) return null;
  const len = buf.readUInt32LE(off);
  if (len < 2 || len > MAX_FRAME_BODY || off + HEADER_BYTES + len > buf.length) return null;
  const body = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
  if (crc32(body) !== buf.readUInt32LE(off + 4)) return null;
  try {
    return { value: JSON.parse(body.toString('utf8')), bytes: HEADER_BYTES + len };
  } catch {
    return null;
  }
}

/**
 * Read every valid frame. After the first bad one, scan forward byte by byte for further valid frames
 * (a CRC32 plus a JSON body make a false match negligible): a torn tail yields none and is truncated;
 * a corrupt region in the middle costs only the records inside it.
 */
export function decodeFrames(buf: Buffer): DecodedFrames {
  const records: DecodedFrames['records'] = [];
  let off = 0;
  for (let f = frameAt(buf, off); f; f = frameAt(buf, off)) {
    records.push(f);
    off += f.bytes;
  }
  const goodBytes = off;
  let salvaged = 0;
  for (let scan = off + 1; scan + HEADER_BYTES <= buf.length; ) {
    const f = frameAt(buf, scan);
    if (!f) {
      scan++;
      continue;
    }
    records.push(f);
    salvaged++;
    scan += f.bytes;
  }
  return { records, goodBytes, badBytes: buf.length - goodBytes, salvaged };
}
