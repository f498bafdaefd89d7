/**
 * One versioned, reproducible artifact: release/thanthien-<version>.tar.gz (+ .sha256), and with --sign-key (the
 * province's Ed25519 private key, PEM) its signed manifest thanthien-<version>.manifest.json for the rollout.
 * Reproducible from a tag: every entry gets the commit's time (SOURCE_DATE_EPOCH), owner 0:0, sorted names,
 * and gzip without a name or time, so two builds of the same commit are byte-identical.
 *   tsx scripts/build/release.ts [--out release] [--sign-key province-release.key]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO, build, packageVersion } from './build.ts';
import { signManifest } from '../../devices/release-signature.ts';
import type { ReleaseManifest } from '../../devices/contract/index.ts';

/** the commit's time, so a rebuild from the same tag has the same mtimes */
function sourceDateEpoch(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], {
        cwd: REPO,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {
    return 0;
  }
}

export type Release = { file: string; version: string; sha256: string };

export function release(outDir: string, opts: { signKeyPem?: string } = {}): Release {
  const version = packageVersion();
  const name = `thanthien-${version}`;
  const work = mkdtempSync(join(tmpdir(), 'tt-release-'));
  try {
    build(join(work, name));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${name}.tar.gz`);
    const epoch = sourceDateEpoch();
    // GNU tar: deterministic order, times and owners; gzip -n drops the name and time from the header
    execFileSync(
      'bash',
      [
        '-c',
        `tar --sort=name --mtime=@${epoch} --owner=0 --group=0 --numeric-owner --mode=u+rw,go+r,go-w --format=posix ` +
          `--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$1" -cf - "$2" | gzip -n -9 > "$3"`,
        'tar',
        work,
        name,
        file,
      ],
      { stdio: 'inherit' },
    );
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(`${file}.sha256`, `${sha256}  ${name}.tar.gz\n`);
    if (opts.signKeyPem) {
      const manifest: ReleaseManifest = {
        v: 1,
        version,
        sha256,
        bytes: bytes.length,
        signedAt: new Date().toISOString(),
      };
      writeFileSync(
        join(outDir, `${name}.manifest.json`),
        `${JSON.stringify({ manifest, sig: signManifest(manifest, opts.signKeyPem) }, null, 2)}
`,
      );
    }
    return { file, version, sha256 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: join(REPO, 'release') }, 'sign-key': { type: 'string' } },
  });
  const r = release(
    resolve(values.out!),
    values['sign-key'] ? { signKeyPem: readFileSync(values['sign-key'], 'utf8') } : {},
  );
  console.log(`${r.file}\nsha256 ${r.sha256}`);
}
