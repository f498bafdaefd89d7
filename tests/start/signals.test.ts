import { spawn } from 'node:child_process';
import { openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';

/**
 * `npm start` with no terminal (stdin /dev/null, output to a file, its own process group), stopped three ways:
 * SIGINT to npm's own process, SIGTERM to it, and SIGINT to the whole group (what Ctrl-C does). Each time every
 * process of the group (npm, tsx, node, influxd) must be gone and the system must say it stopped cleanly.
 */
const dataDir = tempDir('tt-start-');

function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function startAndStop(how: 'npm-int' | 'npm-term' | 'group-int', run: number) {
  const logPath = join(dataDir, `start-${run}.log`);
  const out = openSync(logPath, 'w');
  const npm = spawn('npm', ['start'], {
    cwd: join(import.meta.dirname, '../..'),
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, TT_DATA_DIR: dataDir },
  });
  const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
  const log = () => readFileSync(logPath, 'utf8');
  try {
    await waitFor(() => log().includes('Ctrl-C') || log().includes('start failed'), 240_000, 'npm start running');
    expect(log()).toContain('Hệ thống đang chạy');
    expect(groupMembers(npm.pid!).length).toBeGreaterThanOrEqual(3);
    if (how === 'npm-int') process.kill(npm.pid!, 'SIGINT');
    else if (how === 'npm-term') process.kill(npm.pid!, 'SIGTERM');
    else process.kill(-npm.pid!, 'SIGINT');
    await exited;
    await waitFor(() => groupMembers(npm.pid!).length === 0, 60_000, 'every process of npm start gone').catch((err) => {
      const left = groupMembers(npm.pid!).map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '));
      throw new Error(
        `${(err as Error).message} after ${how}: still running ${JSON.stringify(left)}; log tail: ${log().slice(-400)}`,
      );
    });
    expect(log()).toContain('Đã dừng (stopped).');
  } finally {
    for (const pid of groupMembers(npm.pid!)) process.kill(pid, 'SIGKILL');
  }
}

describe('npm start without a terminal', () => {
  it('stops cleanly on SIGINT to npm, SIGTERM to npm, and Ctrl-C to the group', async () => {
    await startAndStop('npm-int', 1);
    await startAndStop('npm-term', 2);
    await startAndStop('group-int', 3);
  }, 600_000);
});
