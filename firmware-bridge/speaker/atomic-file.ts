import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let tmpSeq = 0;

/**
 * Write-then-rename: after a power cut the file holds either the old or the new text, never a torn mix
 * (rename(2) is atomic within one filesystem), once the data and the folder are synced (`sync`, the default).
 * A file whose content is checked anyway (audio, named by its hash and verified before every play) skips the
 * syncs: a file torn by a power cut fails its hash and is fetched again, and the card is spared the writes.
 */
export function writeFileAtomic(path: string, data: string | Buffer, opts: { sync?: boolean } = {}): void {
  const sync = opts.sync ?? true;
  // a name per write: two writes of one file never share a temporary file
  const tmp = `${path}.tmp-${process.pid}-${++tmpSeq}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true }); // a full card keeps no half-written leftovers
    throw err;
  }
  if (sync) syncDir(dirname(path));
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  }
}

/** The file's text, or null when it does not exist / cannot be read. */
export function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Parse JSON from a file, or null when missing or corrupt (a corrupt file must not stop the unit). */
export function readJsonOrNull(path: string): unknown {
  const text = readFileOrNull(path);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
