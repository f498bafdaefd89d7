import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startIcecast } from '../../infra/icecast.ts';
import { tempDir } from '../harness/temp.ts';

/**
 * Starting icecast2 (the console's live server and the relay tests' station): a start that stays silent is
 * killed and made again on a fresh port, and one that never answers fails with what the process was doing.
 * The "silent" icecast is a wrapper that sleeps instead of running it, the first N times it is called.
 */
const dir = tempDir('tt-icecast-start-');

/** a stand-in for /usr/bin/icecast2 that is silent (sleeps) its first `silent` runs, then runs the real one */
function flakyIcecast(name: string, silent: number): { bin: string; runs: () => number; pids: () => number[] } {
  const counter = join(dir, `${name}.runs`);
  writeFileSync(counter, '');
  const bin = join(dir, `${name}.sh`);
  writeFileSync(
    bin,
    `#!/bin/sh\necho $$ >> '${counter}'\nif [ "$(wc -l < '${counter}')" -le ${silent} ]; then exec sleep 600; fi\nexec /usr/bin/icecast2 "$@"\n`,
  );
  chmodSync(bin, 0o755);
  const pids = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).map(Number);
  return { bin, runs: () => pids().length, pids };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('startIcecast', () => {
  it('kills a start that does not answer and starts it again on a fresh port, saying so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { bin, runs } = flakyIcecast('once', 1);
    const icecast = await startIcecast({
      dir: join(dir, 'once'),
      bin,
      sourcePassword: 'nguon',
      adminPassword: 'quan-tri',
      answerWithinMs: 1_500,
    });
    try {
      expect(runs()).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/did not answer.*process state S.*attempt 2 of 3/s);
      // (icecast 2.4.4's status JSON is not valid JSON while no source is on: read as text)
      const status = await fetch(`${icecast.url}/status-json.xsl`);
      expect([status.status, (await status.text()).includes('"icestats"')]).toEqual([200, true]);
      // the fresh port is in the config the supervisor restarts from
      expect(readFileSync(join(dir, 'once', 'icecast.xml'), 'utf8')).toContain(`<port>${icecast.port}</port>`);
    } finally {
      await icecast.close();
    }
  });

  it('gives up after three silent starts, with the process state in the error, and leaves none running', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { bin, runs, pids } = flakyIcecast('never', 99);
    await expect(
      startIcecast({ dir: join(dir, 'never'), bin, sourcePassword: 'n', adminPassword: 'q', answerWithinMs: 800 }),
    ).rejects.toThrow(/did not answer on http:\/\/127\.0\.0\.1:\d+: .*process state S.*\(attempt 3 of 3\)/s);
    expect(runs()).toBe(3);
    const alive = pids().filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });

  it('a fixed port that is taken: tried three times on that port, then icecast2’s own reason', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await expect(
        startIcecast({ dir: join(dir, 'taken'), port, sourcePassword: 'n', adminPassword: 'q', answerWithinMs: 800 }),
      ).rejects.toThrow(/icecast2 exited: .*Could not create listener socket on port \d+.*\(attempt 3 of 3\)/s);
    } finally {
      taken.close();
    }
  });
});
