import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIcecast, type RunningIcecast } from '../../infra/icecast.ts';
import { tempDir } from '../harness/temp.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { consoleEnv } from './helpers.ts';
import { feedFrom, onAir, setProvinceQuietHours, waitForStatus } from './live-helpers.ts';

/**
 * Live audio and quiet hours (the commune's policy merged with the province's, the one its speakers enforce), on
 * the injected clock: refused in them unless emergency, ended when they begin, and the end moved when the policy
 * changes while a session is on air.
 */
const dir = tempDir('tt-live-quiet-');
let icecast: RunningIcecast;

beforeAll(async () => {
  icecast = await startIcecast({
    dir: join(dir, 'icecast'),
    sourcePassword: 'nguon-truc-tiep',
    adminPassword: 'quan-tri-thu',
  });
});
afterAll(async () => {
  await icecast?.close();
});

describe('quiet hours', () => {
  it('live audio is refused in quiet hours unless emergency', async () => {
    const quiet = await consoleEnv({ live: { icecastUrl: icecast.url, sourcePassword: 'nguon-truc-tiep' } });
    // the province's policy (the one its speakers enforce): quiet all day
    setProvinceQuietHours(quiet, [{ from: '00:00', to: '00:00' }]);
    const leader = await quiet.login('lanhdao1');
    const normal = await quiet.api(leader, 'POST', '/api/live', { hamlets: 'all' });
    expect([normal.status, normal.body.error?.code]).toEqual([409, 'LIVE_QUIET_HOURS']);
    const emergency = await quiet.api(leader, 'POST', '/api/live', { hamlets: 'all', emergency: true });
    expect(emergency.body.status).toBe('ready');
    await quiet.console.close();
    await quiet.broker.close();
  });

  it('a live session on air ends when the quiet hours begin (injected clock); a leader alone is audited as a single-leader start', {
    timeout: 90_000,
  }, async () => {
    // 09:00 Vietnam time; the province's quiet hours from 09:30
    const clock = new FakeClock(Date.parse('2026-11-25T02:00:00.000Z'));
    const quiet = await consoleEnv({ live: { icecastUrl: icecast.url, sourcePassword: 'nguon-truc-tiep' } }, clock);
    setProvinceQuietHours(quiet, [{ from: '09:30', to: '05:00' }]);
    const leader = await quiet.login('lanhdao1');
    const s = await quiet.api(leader, 'POST', '/api/live', { hamlets: 'all' });
    expect(s.body.status).toBe('ready');
    const feed = feedFrom(dir, quiet, leader, s.body.id, 'quiet-mic');
    try {
      await onAir(quiet, leader, s.body.id);
      clock.advance(29 * 60_000);
      expect((await quiet.api(leader, 'GET', `/api/live/${s.body.id}`)).body.status).toBe('on-air');
      clock.advance(60_000);
      const ended = await waitForStatus(quiet, leader, s.body.id, 'ended');
      expect(ended.endedAt).toBe('2026-11-25T02:30:00.000Z');
      const audit = (await quiet.api(leader, 'GET', '/api/audit')).body.items as {
        action: string;
        after: { approval?: string } | null;
      }[];
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['live.start', 'live.quiet-hours', 'live.end']),
      );
      expect(audit.find((a) => a.action === 'live.start')!.after).toMatchObject({ approval: 'single-leader-live' });
    } finally {
      feed.close();
      await quiet.console.close();
      await quiet.broker.close();
    }
  });

  it('a policy changed while a session is on air moves its end: earlier, then to now', {
    timeout: 90_000,
  }, async () => {
    const clock = new FakeClock(Date.parse('2026-11-25T02:00:00.000Z'));
    const quiet = await consoleEnv({ live: { icecastUrl: icecast.url, sourcePassword: 'nguon-truc-tiep' } }, clock);
    setProvinceQuietHours(quiet, []);
    const leader = await quiet.login('lanhdao1');
    const setPolicy = (periods: { from: string; to: string }[]) =>
      quiet.api(leader, 'PUT', '/api/policy', {
        policy: { quietHours: { periods, exempt: ['emergency'] }, volumeCaps: [] },
      });
    expect((await setPolicy([{ from: '11:00', to: '05:00' }])).status).toBe(200);
    const s = await quiet.api(leader, 'POST', '/api/live', { hamlets: 'all' });
    const feed = feedFrom(dir, quiet, leader, s.body.id, 'policy-mic');
    try {
      await onAir(quiet, leader, s.body.id);
      // the commune's leader moves the quiet hours to 09:20 while the session is on air
      expect((await setPolicy([{ from: '09:20', to: '05:00' }])).status).toBe(200);
      clock.advance(19 * 60_000);
      expect((await quiet.api(leader, 'GET', `/api/live/${s.body.id}`)).body.status).toBe('on-air');
      clock.advance(60_000);
      expect((await waitForStatus(quiet, leader, s.body.id, 'ended')).endedAt).toBe('2026-11-25T02:20:00.000Z');
      // quiet hours that have already begun end a session on air at once
      await setPolicy([]);
      const t = await quiet.api(leader, 'POST', '/api/live', { hamlets: 'all' });
      const feed2 = feedFrom(dir, quiet, leader, t.body.id, 'policy-mic-2');
      try {
        await onAir(quiet, leader, t.body.id);
        await setPolicy([{ from: '09:00', to: '23:00' }]);
        expect((await quiet.api(leader, 'GET', `/api/live/${t.body.id}`)).body.status).toBe('ended');
      } finally {
        feed2.close();
      }
    } finally {
      feed.close();
      await quiet.console.close();
      await quiet.broker.close();
    }
  });
});
