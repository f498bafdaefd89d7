import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../firmware-bridge/outbox/outbox.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from './helpers.ts';

const root = tempDir('tt-kill-');
let compactions = 0;
const child = join(import.meta.dirname, 'fixtures', 'append-loop.ts');

/** run the append loop, SIGKILL it after `count` acknowledged adds; returns the ids it reported */
async function runAndKill(dir: string, count: number, mode = 'add'): Promise<string[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  try {
    await waitFor(
      () => out.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l)).length >= count,
      60_000,
      'adds in the child',
    );
  } finally {
    proc.kill('SIGKILL');
    await exited;
  }
  compactions = Math.max(0, ...out.split('\n').map((l) => Number(/^compactions (\d+)$/.exec(l)?.[1] ?? 0)));
  // only whole lines: a line cut by the kill was not reported
  return out.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l));
}

describe('outbox under kill -9', () => {
  it('has every add that returned after the process was killed mid-loop (twice)', async () => {
    const dir = join(root, 'box');
    const first = await runAndKill(dir, 150);
    const second = await runAndKill(dir, 700, 'confirm');
    const box = await Outbox.open(dir, {}, silentLogger);
    // the second run confirmed 6 of every 7 ids: those may be gone, all others must be there
    const confirmed = new Set(second.filter((_, i) => (i + 1) % 7 !== 0));
    expect(compactions).toBeGreaterThan(0); // the kill came while compactions were happening
    const missing = [...first, ...second].filter((id) => !confirmed.has(id) && !box.has(id));
    expect(missing).toEqual([]);
    expect(box.depth()).toBeGreaterThanOrEqual(first.length + second.length - confirmed.size);
    await box.close();
  });
});
