import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../infra/ports.ts';
import { waitFor } from './world.ts';

/** A real Node-RED 4.1 (red.js) as a child process on its own user dir, as an integrator runs it. */
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const RED_JS = require.resolve('node-red/red.js');

/** A fresh Node-RED user dir with `npm install <spec>` done in it (offline: the package has no dependencies). */
export async function userDirWith(parent: string, name: string, spec: string): Promise<string> {
  const userDir = join(parent, name);
  mkdirSync(userDir);
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  await run('npm', ['install', spec, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: userDir,
    timeout: 120_000,
  });
  return userDir;
}

/** `npm pack` of a package folder as it is (no prepack rebuild); returns the tarball path. */
export async function pack(packageDir: string, dest: string): Promise<string> {
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
    cwd: packageDir,
    timeout: 120_000,
  });
  return join(dest, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
}

export type RunningRed = { base: string; log(): string; stop(): Promise<void> };

export async function startNodeRed(userDir: string): Promise<RunningRed> {
  const port = await freePort();
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: false, telemetry: { enabled: false }, editorTheme: { tours: false }, logging: { console: { level: 'info' } } };\n`,
  );
  const red = spawn(process.execPath, [RED_JS, '--userDir', userDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  red.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  red.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise((r) => red.once('exit', r));
  const stop = async () => {
    if (red.exitCode !== null || red.signalCode !== null) return;
    red.kill('SIGTERM');
    const timer = setTimeout(() => red.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(() => log.includes('Started flows') || red.exitCode !== null, 90_000, 'Node-RED to start');
  } catch (err) {
    await stop();
    throw err;
  }
  if (red.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
  return { base: `http://127.0.0.1:${port}`, log: () => log, stop };
}

/** The node sets Node-RED registered (admin API GET /nodes). */
export async function nodeSets(
  base: string,
): Promise<{ module: string; types: string[]; enabled: boolean; version: string; err?: string }[]> {
  const res = await fetch(`${base}/nodes`, { headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET /nodes: ${res.status}`);
  return res.json() as never;
}
