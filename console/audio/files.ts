import { existsSync, mkdirSync, renameSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Content-addressed audio bytes: <dir>/<sha256>. Written to a temp name then renamed, so a crash leaves no half file. */
export class AudioFiles {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  put(sha256: string, bytes: Buffer): void {
    const final = this.path(sha256);
    if (existsSync(final)) return;
    const tmp = `${final}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, final);
  }

  read(sha256: string): Buffer {
    return readFileSync(this.path(sha256));
  }
}
