import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureInfluxdInstalled, LocalInfluxd } from '../../infra/influxd.ts';

/** One real influxd for the whole run, on a free port with a temp data dir; each test file uses its own database. */
declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

export default async function setup(project: TestProject) {
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
