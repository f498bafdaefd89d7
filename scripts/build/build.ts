/**
 * Production build: compile the services to JavaScript (tsc with rewriteRelativeImportExtensions, so the
 * `.ts` imports become `.js`) into one release tree that runs on plain `node`, without tsx or esbuild:
 *   <out>/broker/main.js, collector/main.js, console/main.js (+ console/public), firmware-bridge/main.js,
 *   package.json + package-lock.json (production dependencies are installed from the lockfile on the target,
 *   where better-sqlite3 is compiled from source), deploy/ (units, install scripts, example configs), VERSION.
 *   tsx scripts/build/build.ts [--out build/thanthien]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** files copied as they are (not compiled) into the release tree */
const ASSETS = [
  'console/public',
  'package.json',
  'package-lock.json',
  'README.md',
  'deploy',
  'firmware-bridge/bridge.example.yaml',
  'console/console.example.yaml',
];

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
}

/** the commit the tree was built from, or "unknown" outside git */
export function sourceCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export function build(out: string): void {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', out], {
    cwd: REPO,
    stdio: 'inherit',
  });
  for (const a of ASSETS) {
    if (existsSync(join(REPO, a)))
      cpSync(join(REPO, a), join(out, a), { recursive: true, filter: (src) => !src.endsWith('.ts') });
  }
  // deploy/backup's TypeScript is compiled by tsc above; the CI-only Debian-root helpers stay out
  rmSync(join(out, 'deploy/test'), { recursive: true, force: true });
  writeFileSync(join(out, 'VERSION'), `${packageVersion()}\n${sourceCommit()}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(REPO, 'build/thanthien') } } });
  build(resolve(values.out!));
  console.log(`built ${values.out}`);
}
