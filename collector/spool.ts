import { open, readdir, readFile, stat, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The disk spool for batches InfluxDB could not take: numbered segment files of line protocol,
 * appended and fsynced before the batch's ids are acknowledged, drained oldest first.
 * A collector crash mid-append leaves at most a partial last line, which is dropped on reading
 * (its ids were never acknowledged, so the devices send them again). Replaying a segment twice is
 * harmless: every point has a deterministic timestamp and overwrites itself.
 */
const SEGMENT = /^seg-(\d{12})\.lp$/;
const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;

export type SpoolSegment = { name: string; lines: string[]; truncatedBytes: number };

export class Spool {
  #segments: { seq: number; bytes: number }[] = [];
  #appendSeq = 0;
  #bytes = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Find what a previous run left (called once at start). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: { seq: number; bytes: number }[] = [];
    for (const name of await readdir(this.dir)) {
      const m = SEGMENT.exec(name);
      if (m) found.push({ seq: Number(m[1]), bytes: (await stat(join(this.dir, name))).size });
    }
    this.#segments = found.sort((a, b) => a.seq - b.seq);
    this.#bytes = found.reduce((s, x) => s + x.bytes, 0);
    // never append to a segment of an earlier run: its tail may be partial
    this.#appendSeq = (this.#segments.at(-1)?.seq ?? 0) + 1;
  }

  get empty(): boolean {
    return this.#segments.length === 0;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get segments(): number {
    return this.#segments.length;
  }

  #name(seq: number): string {
    return join(this.dir, `seg-${String(seq).padStart(12, '0')}.lp`);
  }

  /** Append lines durably (write + fsync). 'full' when the bound would be passed: nothing is written. */
  async append(lines: string[]): Promise<'ok' | 'full'> {
    const text = `${lines.join('\n')}\n`;
    const size = Buffer.byteLength(text);
    if (this.#bytes + size > this.maxBytes) return 'full';
    let current = this.#segments.at(-1);
    if (!current || current.seq !== this.#appendSeq || current.bytes >= SEGMENT_MAX_BYTES) {
      if (current && current.seq === this.#appendSeq) this.#appendSeq++;
      current = { seq: this.#appendSeq, bytes: 0 };
      this.#segments.push(current);
    }
    const fh = await open(this.#name(current.seq), 'a');
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (current.bytes === 0) await this.#syncDir();
    current.bytes += size;
    this.#bytes += size;
    return 'ok';
  }

  async #syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  /** The oldest segment's complete lines; new appends go to a later segment from now on. */
  async oldest(): Promise<SpoolSegment | undefined> {
    const first = this.#segments[0];
    if (!first) return undefined;
    if (first.seq === this.#appendSeq) this.#appendSeq++;
    const text = await readFile(this.#name(first.seq), 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    const lines = text
      .slice(0, end)
      .split('\n')
      .filter((l) => l.length > 0);
    return { name: this.#name(first.seq), lines, truncatedBytes: Buffer.byteLength(text.slice(end)) };
  }

  /** Drop the oldest segment once every line of it is stored. */
  async removeOldest(): Promise<void> {
    const first = this.#segments.shift();
    if (!first) return;
    await unlink(this.#name(first.seq)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.#bytes -= first.bytes;
  }
}
