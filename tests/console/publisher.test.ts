import type { MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode, type ScheduleDocument } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { consoleEnv, scheduleReader, waitFor, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';

// 08:00 on Monday 1 March 2027 in Vietnam
const clock = new FakeClock(Date.parse('2027-03-01T01:00:00Z'));
let env: Env;
let speaker: MqttClient;
const docs: ScheduleDocument[] = [];
const SPEAKER = 'xa2-ap1-loa';

beforeAll(async () => {
  env = await consoleEnv({}, clock);
  speaker = await scheduleReader(env, SPEAKER, docs, { hamlet: 'xa2-ap1', commune: '90002' });
});

describe('schedule re-issue', () => {
  it('rolls the occurrences forward every day with a higher version, and skips unchanged documents in between', async () => {
    const staff = await env.login('canbo2');
    const leader = await env.login('lanhdao2');
    const body = {
      title: 'Phát thanh buổi sáng',
      text: 'Chào buổi sáng bà con.',
      hamlets: 'all',
      schedule: { kind: 'weekly', weekdays: [1, 3, 5], time: '17:00', from: '2027-03-01', to: '2027-04-30' },
    };
    const id = (await env.api(staff, 'POST', '/api/announcements', body)).body.id;
    await env.api(staff, 'POST', `/api/announcements/${id}/submit`);
    await env.api(leader, 'POST', `/api/announcements/${id}/approve`);
    const first = await waitFor(() => docs.find((d) => d.items.length > 0), 20_000, 'first document');
    await env.console.publisher.idle();
    // Mon 1, Wed 3, Fri 5, Mon 8, Wed 10, Fri 12 March within 14 days of 1 March 08:00 (horizon 15 March 08:00 excluded Mon 15 17:00)
    expect(first.items[0].occurrences).toEqual(
      ['2027-03-01', '2027-03-03', '2027-03-05', '2027-03-08', '2027-03-10', '2027-03-12'].map(
        (d) => `${d}T10:00:00.000Z`,
      ),
    );
    expect(first.horizon).toBe('2027-03-15T01:00:00.000Z');

    const published = env.console.publisher.stats.published;
    const pub = env.console.publisher;
    // a day in one-hour steps (the minute ticks run inside each step)
    for (let h = 1; h <= 25; h++) {
      clock.advance(3_600_000);
      await pub.idle();
      // nothing changes in the first hours: nothing is published
      if (h === 6) expect(pub.stats.published).toBe(published);
    }
    const next = await waitFor(
      () => docs.find((d) => d.version > first.version && d.items.length > 0 && d.horizon > first.horizon),
      20_000,
      'daily re-issue',
    );
    expect(next.items[0].occurrences[0]).toBe('2027-03-03T10:00:00.000Z'); // Monday's has gone (past its validity)
    expect(next.items[0].occurrences.at(-1)).toBe('2027-03-15T10:00:00.000Z');
    // 90002's 3 speakers once when Monday's occurrence expired (17:30 VN); 90001's 3 (no announcements) once,
    // 24 h after their last document; 90002's next daily one is due 24 h after 17:30, not yet
    expect(pub.stats.published - published).toBe(6);
  });

  it('jumps past a version the speaker runs that this console never issued (restored backup)', async () => {
    const known = env.console.store.speakers.get(SPEAKER)!.version;
    const status = {
      v: 1 as const,
      active: known + 1000,
      status: 'accepted' as const,
      at: new Date(clock.now()).toISOString(),
    };
    await speaker.publishAsync(topicFor(SPEAKER, 'schedule-status'), encode('schedule-status', status), {
      qos: 1,
      retain: true,
    });
    const doc = await waitFor(() => docs.find((d) => d.version > known + 1000), 20_000, 'version above the speaker’s');
    expect(doc.version).toBe(known + 1001);
  });
});
