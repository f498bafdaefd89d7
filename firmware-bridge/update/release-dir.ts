import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The releases side by side on the Pi:  <root>/releases/<version>/  and  <root>/current -> releases/<version>.
 * A new release is unpacked next to the running one, its dependencies prepared, then `current` is switched
 * with one rename (atomic: a power cut leaves either the old or the new link, never none).
 */
export class ReleaseDir {
  constructor(readonly root: string) {}

  currentVersion(): string | undefined {
    try {
      return basename(readlinkSync(join(this.root, 'current')));
    } catch {
      return undefined;
    }
  }

  path(version: string): string {
    return join(this.root, 'releases', version);
  }

  /** unpack a verified tarball (top folder thanthien-<version>/) into releases/<version> */
  async unpack(tarball: string, version: string): Promise<string> {
    const dest = this.path(version);
    const staging = `${dest}.new`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await run('tar', [
      '-xzf',
      tarball,
      '-C',
      staging,
      '--strip-components=1',
      '--no-same-owner',
      '--no-same-permissions',
    ]);
    const inside = readFileSync(join(staging, 'VERSION'), 'utf8').split('\n')[0]!.trim();
    if (inside !== version)
      throw Object.assign(new Error(`tarball holds ${inside}, not ${version}`), { reason: 'invalid' });
    rmSync(dest, { recursive: true, force: true });
    renameSync(staging, dest);
    return dest;
  }

  /**
   * Production dependencies for the new release: when its lockfile equals the running one's, the running
   * release's node_modules are hard-linked (seconds, no network, no compiler on the Pi); otherwise `npm ci`.
   */
  async prepare(version: string, npmCi: (dir: string) => Promise<void>): Promise<void> {
    const dest = this.path(version);
    const cur = this.currentVersion();
    const lock = (dir: string) =>
      existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json'), 'utf8') : undefined;
    if (cur && existsSync(join(this.path(cur), 'node_modules')) && lock(this.path(cur)) === lock(dest)) {
      await run('cp', ['-al', join(this.path(cur), 'node_modules'), join(dest, 'node_modules')]);
    } else {
      await npmCi(dest);
    }
  }

  switchTo(version: string): void {
    const tmp = join(this.root, `current.${process.pid}`);
    rmSync(tmp, { force: true });
    symlinkSync(join('releases', version), tmp);
    renameSync(tmp, join(this.root, 'current'));
  }

  /** keep the running release and the one before it; remove older ones */
  prune(keep: string[]): void {
    const dir = join(this.root, 'releases');
    for (const v of existsSync(dir) ? readdirSync(dir) : [])
      if (!keep.includes(v)) rmSync(join(dir, v), { recursive: true, force: true });
  }
}

/** The record the rollback watchdog reads (deploy/pi/update-watchdog.sh): key=value lines, deadline in epoch seconds. */
export type PendingUpdate = {
  from: string;
  to: string /** ms since the epoch */;
  deadline: number;
  state: 'switched' | 'rolled-back';
};

export function readPending(file: string): PendingUpdate | undefined {
  try {
    const kv = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    if (!kv.from || !kv.to || !kv.deadline || (kv.state !== 'switched' && kv.state !== 'rolled-back')) return undefined;
    return { from: kv.from, to: kv.to, deadline: Number(kv.deadline) * 1000, state: kv.state };
  } catch {
    return undefined;
  }
}

export function writePending(file: string, p: PendingUpdate): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `from=${p.from}\nto=${p.to}\ndeadline=${Math.floor(p.deadline / 1000)}\nstate=${p.state}\n`);
  renameSync(tmp, file);
}
