import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureInfluxdInstalled, LocalInfluxd } from '../../infra/influxd.ts';

/** One real influxd for the whole run, on a free port with a temp data dir; each test file uses its own database. */
declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

/**
 * Every real component the suites use (InfluxDB, Chromium, ...) is installed by the project's own script, so
 * `npm test` works right after `npm ci && npm start` on a fresh machine: as root it installs what is missing,
 * otherwise it stops at once with the exact command to run.
 */
function ensureSystemDeps(): void {
  const script = fileURLToPath(new URL('../../scripts/install-system-deps.sh', import.meta.url));
  const r = spawnSync('bash', [script, 'test'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the test setup could not install its real components:\n${r.stderr}`);
}

export default async function setup(project: TestProject) {
  ensureSystemDeps();
  ensureInfluxdInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'tt-influxd-'));
  const influxd = new LocalInfluxd({ dir, log: true });
  await influxd.start();
  project.provide('influxUrl', influxd.url);
  return async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
