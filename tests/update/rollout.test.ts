import { describe, expect, it } from 'vitest';
import type { ReleaseAnnouncementPayload } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { consoleEnv, waitFor } from '../console/helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { tempDir } from '../harness/temp.ts';
import { announce, provinceKey, releaseTarball } from './fixtures.ts';

/**
 * The console's side of signed updates: a staged rollout relays the province-signed announcement, retained, to
 * the devices of the chosen communes at most N a minute; a forged one is refused; each device's version and update
 * state is shown to the communes that may read it.
 */
describe('staged rollout and fleet versions in the console', async () => {
  const province = provinceKey();
  const releaseKey = province.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const clock = new FakeClock(Date.now());
  const env = await consoleEnv({ updates: { releaseKey } }, clock);
  const dir = tempDir('tt-rollout-');
  const good = announce(
    releaseTarball(dir, '0.2.0'),
    '0.2.0',
    province.privatePem,
    'http://127.0.0.1:9/thanthien-0.2.0.tar.gz',
  );

  it('refuses forged announcements and non-admins', async () => {
    const admin = await env.login('quantri');
    const forged = announce(
      releaseTarball(dir, '0.2.1'),
      '0.2.1',
      provinceKey().privatePem,
      'http://127.0.0.1:9/x.tar.gz',
    );
    const r = await env.api(admin, 'POST', '/api/updates/rollouts', {
      announcement: forged,
      communes: ['90001'],
      perMinute: 10,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RELEASE_SIGNATURE_INVALID');
    const garbage = await env.api(admin, 'POST', '/api/updates/rollouts', {
      announcement: { manifest: 1 },
      communes: ['90001'],
      perMinute: 10,
    });
    expect(garbage.body.error.code).toBe('INVALID_INPUT');
    const staff = await env.login('canbo1');
    expect(
      (
        await env.api(staff, 'POST', '/api/updates/rollouts', {
          announcement: good,
          communes: ['90001'],
          perMinute: 10,
        })
      ).status,
    ).toBe(403);
  });

  it('announces to one commune, retained, N devices a minute', async () => {
    const admin = await env.login('quantri');
    const devices = env.registry.communes.get('90001')!.commune.devices.map((d) => d.id);
    expect(devices.length).toBeGreaterThanOrEqual(3);
    const r = await env.api(admin, 'POST', '/api/updates/rollouts', {
      announcement: good,
      communes: ['90001'],
      perMinute: 2,
    });
    expect(r.status).toBe(202);
    const progress = async () =>
      (await env.api(admin, 'GET', '/api/updates/rollouts')).body.items.find((x: any) => x.id === r.body.id);
    await waitFor(async () => (await progress()).announced === 1);
    clock.advance(29_000);
    expect((await progress()).announced).toBe(1); // throttled: the next one is due 30 s later
    clock.advance(1_000);
    await waitFor(async () => (await progress()).announced === 2);
    for (let i = 2; i < devices.length; i++) {
      clock.advance(30_000);
      await waitFor(async () => (await progress()).announced === i + 1);
    }
    await waitFor(async () => (await progress()).done);
    expect(await progress()).toMatchObject({
      total: devices.length,
      announced: devices.length,
      failed: 0,
      version: '0.2.0',
    });

    // a speaker of another commune got nothing; one of this commune finds the retained announcement
    const speaker = devices.find((d) => d.endsWith('-loa'))!;
    const client = await env.speakerClient(speaker);
    const got = new Promise<ReleaseAnnouncementPayload>((resolve) =>
      client.on('message', (_t, m) => resolve(JSON.parse(m.toString()))),
    );
    await client.subscribeAsync(topicFor(speaker, 'release'), { qos: 1 });
    expect((await got).manifest).toEqual(good.manifest);
  });

  it("shows each device's version and update state to the communes that may read it", async () => {
    const speaker = env.registry.communes.get('90001')!.commune.devices.find((d) => d.kind === 'speaker')!.id;
    const client = await env.speakerClient(speaker);
    await client.publishAsync(
      topicFor(speaker, 'update-status'),
      JSON.stringify({
        running: '0.1.0',
        target: '0.2.0',
        state: 'rolled-back',
        reason: 'unhealthy',
        at: new Date().toISOString(),
      }),
      { qos: 1, retain: true },
    );
    const staff = await env.login('canbo1');
    const row = await waitFor(async () => {
      const list = (await env.api(staff, 'GET', '/api/updates/devices')).body.items;
      return list.find((d: any) => d.device === speaker && d.state === 'rolled-back');
    });
    expect(row).toMatchObject({
      version: '0.1.0',
      target: '0.2.0',
      stateLabel: 'Đã quay lại bản cũ',
      reason: 'unhealthy',
      commune: '90001',
    });
    const other = await env.login('canbo2');
    const theirs = (await env.api(other, 'GET', '/api/updates/devices')).body.items;
    expect(theirs.some((d: any) => d.device === speaker)).toBe(false);
    // garbage on the channel is dropped by the broker or the decoder, the view keeps the last good state
    await client.publishAsync(topicFor(speaker, 'update-status'), '{"state":"updated"', { qos: 1, retain: true });
    const again = (await env.api(staff, 'GET', '/api/updates/devices')).body.items.find(
      (d: any) => d.device === speaker,
    );
    expect(again.state).toBe('rolled-back');
  });
});
