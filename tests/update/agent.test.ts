import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdateStatusPayload } from '../../devices/contract/index.ts';
import { UpdateAgent } from '../../firmware-bridge/update/agent.ts';
import { downloadLimited } from '../../firmware-bridge/update/download.ts';
import { ReleaseDir, readPending } from '../../firmware-bridge/update/release-dir.ts';
import { silentLogger } from '../../infra/logger.ts';
import { REPO } from '../../scripts/build/build.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { tempDir } from '../harness/temp.ts';
import { announce, fileServer, installedRoot, provinceKey, releaseTarball } from './fixtures.ts';

/**
 * Signed updates on a Pi's release folder: a good release is verified, unpacked beside the running one and
 * switched, then confirmed healthy; one that never reports healthy is rolled back by the watchdog; forged,
 * tampered, corrupted and older releases are refused and reported, and the running release stays.
 */
const WATCHDOG = join(REPO, 'deploy/pi/update-watchdog.sh');
const province = provinceKey();
const SETTLE_MS = 30_000;

type Pi = {
  root: string;
  state: string;
  statuses: UpdateStatusPayload[];
  restarts: number;
  npmCi: string[];
  clock: FakeClock;
  agent(running: string): UpdateAgent;
};

function pi(dir: string, running = '0.1.0'): Pi {
  const root = installedRoot(dir, running);
  const state = join(dir, 'state/update');
  mkdirSync(state, { recursive: true });
  const clock = new FakeClock(Date.parse('2026-12-01T03:00:00Z'));
  const p: Pi = {
    root,
    state,
    clock,
    statuses: [],
    restarts: 0,
    npmCi: [],
    agent: (v) =>
      new UpdateAgent({
        releases: new ReleaseDir(root),
        stateDir: state,
        running: v,
        releaseKey: province.publicKey,
        clock,
        log: silentLogger,
        settleMs: SETTLE_MS,
        publishStatus: (s) => p.statuses.push(s),
        download: downloadLimited,
        npmCi: async (d) => void p.npmCi.push(d),
        restart: () => void p.restarts++,
      }),
  };
  return p;
}

const watchdog = (p: Pi, now: number) =>
  execFileSync('bash', [WATCHDOG], {
    encoding: 'utf8',
    env: {
      ...process.env,
      THANTHIEN_ROOT: p.root,
      THANTHIEN_UPDATE_STATE: p.state,
      NOW: String(Math.floor(now / 1000)),
      RESTART_CMD: 'true',
    },
  });

describe('signed release updates', () => {
  const dir = tempDir('tt-update-');
  let server: Awaited<ReturnType<typeof fileServer>>;
  let good: string;
  beforeAll(async () => {
    good = releaseTarball(dir, '0.2.0');
    releaseTarball(dir, '0.0.9');
    server = await fileServer(dir);
  });
  afterAll(() => server.close());

  it('a good release is verified, installed side by side, switched, and confirmed once healthy', async () => {
    const p = pi(join(dir, 'good'));
    const old = p.agent('0.1.0');
    await old.onAnnouncement(announce(good, '0.2.0', province.privatePem, server.url('thanthien-0.2.0.tar.gz')));
    expect(p.statuses.map((s) => s.state)).toEqual(['downloading', 'verified']);
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.2.0');
    expect(readFileSync(join(p.root, 'current/firmware-bridge/main.js'), 'utf8')).toContain('0.2.0');
    expect(existsSync(join(p.root, 'releases/0.1.0/VERSION'))).toBe(true); // the old one stays for a rollback
    // same lockfile: the dependencies are hard links of the running release's, no npm ci on the Pi
    expect(statSync(join(p.root, 'releases/0.2.0/node_modules/some-dep/index.js')).ino).toBe(
      statSync(join(p.root, 'releases/0.1.0/node_modules/some-dep/index.js')).ino,
    );
    expect(p.npmCi).toEqual([]);
    expect(p.restarts).toBe(1);
    expect(readPending(join(p.state, 'pending'))).toMatchObject({ from: '0.1.0', to: '0.2.0', state: 'switched' });

    // the new process: it hears from the broker and stays up for the settle time
    const fresh = p.agent('0.2.0');
    fresh.resume();
    fresh.heardFromBroker();
    p.clock.advance(SETTLE_MS - 1);
    expect(p.statuses.at(-1)!.state).toBe('verified');
    p.clock.advance(1);
    expect(p.statuses.at(-1)).toMatchObject({ running: '0.2.0', target: '0.2.0', state: 'updated' });
    expect(existsSync(join(p.state, 'pending'))).toBe(false);
    // the watchdog later finds nothing to do
    watchdog(p, p.clock.now() + 3_600_000);
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.2.0');
  });

  it('a release that never reports healthy is rolled back by the watchdog, reported, and not tried again', async () => {
    const p = pi(join(dir, 'unhealthy'));
    const a = announce(good, '0.2.0', province.privatePem, server.url('thanthien-0.2.0.tar.gz'));
    await p.agent('0.1.0').onAnnouncement(a);
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.2.0');
    const deadline = readPending(join(p.state, 'pending'))!.deadline;
    // the new bridge never hears from the broker: before the deadline the watchdog waits
    watchdog(p, deadline - 1000);
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.2.0');
    expect(watchdog(p, deadline + 1000)).toContain('rolled back to 0.1.0');
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.1.0');
    expect(readPending(join(p.state, 'pending'))!.state).toBe('rolled-back');

    const back = p.agent('0.1.0');
    back.resume();
    expect(p.statuses.at(-1)).toMatchObject({
      running: '0.1.0',
      target: '0.2.0',
      state: 'rolled-back',
      reason: 'unhealthy',
    });
    const before = p.statuses.length;
    await back.onAnnouncement(a); // the retained announcement again: ignored
    expect(p.statuses.length).toBe(before);
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.1.0');
  });

  it('a forged, tampered, corrupted, oversize or older release is refused and reported; the running one stays', async () => {
    const p = pi(join(dir, 'bad'));
    const agent = p.agent('0.1.0');
    const url = server.url('thanthien-0.2.0.tar.gz');
    const served = server.requests.length;

    await agent.onAnnouncement(announce(good, '0.2.0', provinceKey().privatePem, url)); // another key
    expect(p.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'bad-signature', target: '0.2.0' });
    const tampered = announce(good, '0.2.0', province.privatePem, url);
    await agent.onAnnouncement({ ...tampered, manifest: { ...tampered.manifest, version: '0.3.0' } });
    expect(p.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'bad-signature', target: '0.3.0' });
    expect(server.requests.length).toBe(served); // nothing downloaded for an unsigned announcement

    const bytes = readFileSync(good);
    const corrupted = Buffer.from(bytes);
    corrupted[corrupted.length - 10] ^= 0xff;
    server.override.set('corrupt.tar.gz', corrupted);
    await agent.onAnnouncement(announce(good, '0.2.0', province.privatePem, server.url('corrupt.tar.gz')));
    expect(p.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'sha256-mismatch' });
    server.override.set('big.tar.gz', Buffer.concat([bytes, Buffer.alloc(1000)]));
    await agent.onAnnouncement(announce(good, '0.2.0', province.privatePem, server.url('big.tar.gz')));
    expect(p.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'too-large' });

    await agent.onAnnouncement(
      announce(join(dir, 'thanthien-0.0.9.tar.gz'), '0.0.9', province.privatePem, server.url('thanthien-0.0.9.tar.gz')),
    );
    expect(p.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'downgrade', target: '0.0.9' });

    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.1.0');
    expect(existsSync(join(p.root, 'releases/0.2.0'))).toBe(false);
    expect(p.restarts).toBe(0);
    // the real release, fetched from a good mirror, still goes through afterwards
    await agent.onAnnouncement(announce(good, '0.2.0', province.privatePem, url));
    expect(p.statuses.at(-1)!.state).toBe('verified');
    expect(readlinkSync(join(p.root, 'current'))).toBe('releases/0.2.0');
  });

  it('a new lockfile means npm ci for the new release', async () => {
    const p = pi(join(dir, 'newdeps'));
    const file = releaseTarball(join(dir, 'newdeps'), '0.2.1', { lock: '{"changed":true}' });
    const srv = await fileServer(join(dir, 'newdeps'));
    try {
      await p
        .agent('0.1.0')
        .onAnnouncement(announce(file, '0.2.1', province.privatePem, srv.url('thanthien-0.2.1.tar.gz')));
    } finally {
      await srv.close();
    }
    expect(p.npmCi).toEqual([join(p.root, 'releases/0.2.1')]);
  });
});
