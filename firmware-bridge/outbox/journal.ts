import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeFrames, encodeFrame } from './framing.ts';

/**
 * An append-only file of framed records. `append(…, true)` returns only after fdatasync, so a record
 * whose append returned survives kill -9 and power loss. `rewrite` replaces the file atomically:
 * write a temp file, fsync it, rename over the journal, fsync the directory (the rename itself must
 * reach the disk, or a power cut can bring the old file back).
 */
export type JournalOpen = {
  journal: Journal;
  records: unknown[];
  badBytes: number;
  salvaged: number;
  fileBytes: number;
};

export class Journal {
  private constructor(
    readonly path: string,
    private fh: FileHandle,
    public bytes: number,
  ) {}

  static async open(path: string): Promise<JournalOpen> {
    await rm(`${path}.tmp`, { force: true }); // a compaction that crashed before its rename: the journal is intact
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      buf = Buffer.alloc(0);
    }
    const decoded = decodeFrames(buf);
    const fh = await open(path, 'a+');
    // a torn tail is cut off here; when records were salvaged past a corrupt region the caller rewrites the file
    if (decoded.badBytes > 0 && decoded.salvaged === 0) {
      await fh.truncate(decoded.goodBytes);
      await fh.datasync();
    }
    const journal = new Journal(path, fh, decoded.goodBytes);
    if (buf.length === 0) await syncDir(dirname(path));
    return {
      journal,
      records: decoded.records.map((r) => r.value),
      badBytes: decoded.badBytes,
      salvaged: decoded.salvaged,
      fileBytes: buf.length,
    };
  }

  /** append frames as one write; with `sync` the data is on disk when this resolves */
  async append(records: unknown[], sync: boolean): Promise<number> {
    const buf = Buffer.concat(records.map(encodeFrame));
    await this.fh.appendFile(buf);
    if (sync) await this.fh.datasync();
    this.bytes += buf.length;
    return buf.length;
  }

  async rewrite(records: unknown[]): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const buf = Buffer.concat(records.map(encodeFrame));
    const out = await open(tmp, 'w');
    try {
      await out.writeFile(buf);
      await out.sync();
    } finally {
      await out.close();
    }
    await this.fh.close();
    await rename(tmp, this.path);
    await syncDir(dirname(this.path));
    this.fh = await open(this.path, 'a+');
    this.bytes = buf.length;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** the size one record takes in the journal */
export function frameBytes(record: unknown): number {
  return encodeFrame(record).length;
}
