/**
 * Linux input events (linux/input.h `struct input_event`), as a keyboard-type USB barcode/QR scanner
 * delivers them on /dev/input/eventN:  struct timeval time; __u16 type; __u16 code; __s32 value;
 * 24 bytes on 64-bit kernels (two 8-byte longs of time), 16 bytes on 32-bit ARM (Raspberry Pi OS 32-bit).
 * A scanner "types" its code with a US layout and ends it with Enter.
 */
export const EV_KEY = 1;
export const KEY_ENTER = 28;
export const KEY_KPENTER = 96;
const KEY_LEFTSHIFT = 42;
const KEY_RIGHTSHIFT = 54;

export type InputEvent = { type: number; code: number; value: number };
export type RecordBytes = 16 | 24;

/** The record size of this machine's kernel ABI. */
export function nativeRecordBytes(arch: string = process.arch): RecordBytes {
  return arch === 'arm' || arch === 'ia32' ? 16 : 24;
}

/** Key code → [unshifted, shifted] character on a US layout (the layout scanners emulate by default). */
const KEYMAP: Record<number, [string, string]> = {};
'1234567890'.split('').forEach((c, i) => (KEYMAP[2 + i] = [c, '!@#$%^&*()'[i]!]));
Object.assign(KEYMAP, {
  12: ['-', '_'],
  13: ['=', '+'],
  26: ['[', '{'],
  27: [']', '}'],
  39: [';', ':'],
  40: ["'", '"'],
  41: ['`', '~'],
  43: ['\\', '|'],
  51: [',', '<'],
  52: ['.', '>'],
  53: ['/', '?'],
  57: [' ', ' '],
});
for (const [start, row] of [
  [16, 'qwertyuiop'],
  [30, 'asdfghjkl'],
  [44, 'zxcvbnm'],
] as const) {
  row.split('').forEach((c, i) => (KEYMAP[start + i] = [c, c.toUpperCase()]));
}
// numeric keypad (some scanners are set to type digits there)
for (const [code, c] of [
  [71, '7'],
  [72, '8'],
  [73, '9'],
  [74, '-'],
  [75, '4'],
  [76, '5'],
  [77, '6'],
  [78, '+'],
  [79, '1'],
  [80, '2'],
  [81, '3'],
  [82, '0'],
  [83, '.'],
  [98, '/'],
  [55, '*'],
] as const) {
  KEYMAP[code] = [c, c];
}

/**
 * Turns a byte stream of input_event records into scanned codes. Keeps partial records across chunks,
 * tracks Shift, and ends a code at Enter. A code longer than `maxLength` is dropped whole (counted), and so
 * is a code with a key this map does not know: a half-read dossier number must never bind a rating.
 */
export class ScanDecoder {
  #pending = Buffer.alloc(0);
  #shift = 0;
  #chars: string[] = [];
  #spoiled = false;
  /** codes thrown away (too long or unknown keys) */
  dropped = 0;

  constructor(
    private readonly onCode: (code: string) => void,
    private readonly opts: { recordBytes: RecordBytes; maxLength?: number } = { recordBytes: nativeRecordBytes() },
  ) {}

  push(chunk: Buffer): void {
    const size = this.opts.recordBytes;
    const buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    let off = 0;
    for (; off + size <= buf.length; off += size) {
      const head = off + size - 8;
      this.#event({ type: buf.readUInt16LE(head), code: buf.readUInt16LE(head + 2), value: buf.readInt32LE(head + 4) });
    }
    this.#pending = Buffer.from(buf.subarray(off));
  }

  #event(e: InputEvent): void {
    if (e.type !== EV_KEY) return; // EV_SYN, EV_MSC (scan codes), LEDs
    if (e.code === KEY_LEFTSHIFT || e.code === KEY_RIGHTSHIFT) {
      if (e.value === 1) this.#shift++;
      else if (e.value === 0) this.#shift = Math.max(0, this.#shift - 1);
      return;
    }
    if (e.value !== 1) return; // releases and autorepeat
    if (e.code === KEY_ENTER || e.code === KEY_KPENTER) return this.#end();
    const key = KEYMAP[e.code];
    if (!key) this.#spoiled = true;
    else this.#chars.push(this.#shift > 0 ? key[1] : key[0]);
    if (this.#chars.length > (this.opts.maxLength ?? 256)) this.#spoiled = true;
  }

  #end(): void {
    const code = this.#chars.join('').trim();
    const spoiled = this.#spoiled;
    this.#chars = [];
    this.#spoiled = false;
    if (spoiled) this.dropped++;
    else if (code) this.onCode(code);
  }
}

/** Encodes text as the key events a scanner would send (tests and the simulator). */
export function encodeScan(text: string, recordBytes: RecordBytes = nativeRecordBytes()): Buffer {
  const reverse = new Map<string, { code: number; shift: boolean }>();
  for (const [code, [plain, shifted]] of Object.entries(KEYMAP)) {
    if (!reverse.has(plain)) reverse.set(plain, { code: Number(code), shift: false });
    if (!reverse.has(shifted)) reverse.set(shifted, { code: Number(code), shift: true });
  }
  const events: InputEvent[] = [];
  const key = (code: number, value: number) =>
    events.push({ type: EV_KEY, code, value }, { type: 0, code: 0, value: 0 });
  for (const ch of text) {
    const k = reverse.get(ch);
    if (!k) throw new Error(`no key for ${JSON.stringify(ch)}`);
    if (k.shift) key(KEY_LEFTSHIFT, 1);
    key(k.code, 1);
    key(k.code, 0);
    if (k.shift) key(KEY_LEFTSHIFT, 0);
  }
  key(KEY_ENTER, 1);
  key(KEY_ENTER, 0);
  const buf = Buffer.alloc(events.length * recordBytes);
  events.forEach((e, i) => {
    const head = i * recordBytes + recordBytes - 8;
    buf.writeUInt16LE(e.type, head);
    buf.writeUInt16LE(e.code, head + 2);
    buf.writeInt32LE(e.value, head + 4);
  });
  return buf;
}
