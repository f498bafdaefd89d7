import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode, type ScheduleDocument } from '../../devices/contract/index.ts';
import type { AreaEmergencyOrder } from '../../devices/contract/broadcast.ts';
import { verifyAreaOrder, verifySchedule } from '../../devices/schedule-signature.ts';
import { areaTopic, topicFor } from '../../devices/topics.ts';
import { consoleEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let staff: string, leader: string, otherStaff: string, district: string, admin: string;
const SPEAKER = 'xa1-ap1-loa';

/** the latest signed schedule a speaker got, verified with the commune key like the speaker does */
function scheduleWatcher(client: MqttClient, speaker: string, hamlet: string) {
  const docs: ScheduleDocument[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== topicFor(speaker, 'schedule')) return;
    const key = env.console.keys.get('90001')!.publicKeyPem;
    const r = verifySchedule(JSON.parse(payload.toString()), key, { speaker, hamlet, commune: '90001', minVersion: 1 });
    if (r.ok) docs.push(r.doc);
  });
  return { latest: () => docs.at(-1), docs };
}

beforeAll(async () => {
  env = await consoleEnv();
  [staff, leader, otherStaff, district, admin] = await Promise.all(
    ['canbo1', 'lanhdao1', 'canbo2', 'huyen', 'quantri'].map((u) => env.login(u)),
  );
});

const announcement = () => ({
  title: 'Tiêm phòng cho gia súc',
  text: 'Kính thưa bà con, sáng mai trạm thú y tiêm phòng miễn phí tại nhà văn hóa ấp.',
  hamlets: ['xa1-ap1', 'xa1-ap2'],
  schedule: {
    kind: 'daily',
    time: '06:30',
    from: new Date().toISOString().slice(0, 10),
    to: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
  },
  repeats: 2,
  volume: 75,
  priority: 'priority',
});

describe('announcement workflow', () => {
  it('sets an HttpOnly SameSite cookie at login and accepts it instead of a bearer token', async () => {
    const res = await fetch(`${env.console.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'canbo1', password: 'mat-khau-thu-nghiem' }),
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const body = await res.json();
    expect(body.user).toMatchObject({ username: 'canbo1', role: 'staff', commune: '90001' });
    const me = await fetch(`${env.console.url}/api/me`, { headers: { cookie: cookie.split(';')[0] } });
    expect((await me.json()).user.username).toBe('canbo1');
    const hamlets = await env.api(body.token, 'GET', '/api/hamlets');
    expect(hamlets.body.items.map((h: { id: string }) => h.id)).toEqual(['xa1-ap1', 'xa1-ap2', 'xa1-ap3']);
  });

  it('nothing reaches a speaker before the leader approves; approval publishes a signed schedule; edit returns to draft', async () => {
    const speaker = await env.speakerClient(SPEAKER);
    const watch = scheduleWatcher(speaker, SPEAKER, 'xa1-ap1');
    await speaker.subscribeAsync(topicFor(SPEAKER, 'schedule'), { qos: 1 });
    const first = await waitFor(() => watch.latest(), 20_000, 'initial schedule');
    expect(first.items).toEqual([]);

    const created = await env.api(staff, 'POST', '/api/announcements', announcement());
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await env.api(staff, 'POST', `/api/announcements/${id}/submit`)).body.status).toBe('submitted');
    // staff and another commune's staff may not approve
    expect((await env.api(staff, 'POST', `/api/announcements/${id}/approve`)).body.error.code).toBe('FORBIDDEN_ROLE');
    expect((await env.api(otherStaff, 'GET', `/api/announcements/${id}`)).body.error.code).toBe('FORBIDDEN_COMMUNE');
    expect(watch.latest()!.items).toEqual([]);

    const approved = await env.api(leader, 'POST', `/api/announcements/${id}/approve`);
    expect(approved.body.status).toBe('approved');
    const doc = await waitFor(() => watch.latest()?.items.length && watch.latest(), 20_000, 'schedule with the item');
    expect(doc.version).toBeGreaterThan(first.version);
    const item = doc.items[0];
    expect(item).toMatchObject({ announcement: id, priority: 'priority', volume: 75, repeats: 2 });
    expect(item.occurrences.length).toBeGreaterThanOrEqual(14);
    expect(item.occurrences.every((o) => o.endsWith('T23:30:00.000Z'))).toBe(true); // 06:30 VN
    // the audio is there by its hash, with the bytes the document promises
    const audio = await fetch(`${env.console.url}${item.audio.path}`);
    expect(Buffer.from(await audio.arrayBuffer()).length).toBe(item.audio.bytes);

    // an edit of an approved announcement is a revision beside it: the approved one stays on the air
    const edited = await env.api(staff, 'PUT', `/api/announcements/${id}`, { ...announcement(), volume: 60 });
    expect(edited.body.announcement).toMatchObject({ status: 'draft', volume: 60, revision: 2, revisionOf: id });
    expect((await env.api(leader, 'GET', `/api/announcements/${id}`)).body.announcement).toMatchObject({
      status: 'approved',
      volume: 75,
    });

    const audit = (await env.api(leader, 'GET', `/api/audit?target=${id}`)).body.items as Array<{
      action: string;
      username: string;
      before: any;
      after: any;
    }>;
    expect(audit.map((a) => a.action)).toEqual(['approve', 'submit', 'create']);
    expect(audit[0]).toMatchObject({
      username: 'lanhdao1',
      before: { status: 'submitted' },
      after: { status: 'approved', approvedBy: 'lanhdao1' },
    });
  });

  it('reject needs a reason; stop takes an approved announcement off the air', async () => {
    const id = (await env.api(staff, 'POST', '/api/announcements', announcement())).body.id;
    expect((await env.api(leader, 'POST', `/api/announcements/${id}/reject`, { reason: ' ' })).body.error.code).toBe(
      'REASON_EMPTY',
    );
    const rejected = await env.api(leader, 'POST', `/api/announcements/${id}/reject`, { reason: 'Sai ngày tiêm' });
    expect(rejected.body.announcement).toMatchObject({ status: 'rejected', rejectReason: 'Sai ngày tiêm' });
    expect((await env.api(leader, 'POST', `/api/announcements/${id}/stop`)).body.error.code).toBe('STATE_CONFLICT');
    await env.api(staff, 'POST', `/api/announcements/${id}/submit`);
    expect((await env.api(leader, 'POST', `/api/announcements/${id}/approve`)).body.status).toBe('approved');
    const stopped = await env.api(leader, 'POST', `/api/announcements/${id}/stop`);
    expect(stopped.body.status).toBe('stopped');
    expect((await env.api(staff, 'PUT', `/api/announcements/${id}`, announcement())).body.error.code).toBe(
      'STATE_CONFLICT',
    );
  });

  it('district staff read across their communes but change nothing; admin manages users', async () => {
    expect((await env.api(district, 'GET', '/api/announcements')).body.items.length).toBeGreaterThan(0);
    expect((await env.api(district, 'POST', '/api/announcements', announcement())).body.error.code).toBe(
      'FORBIDDEN_ROLE',
    );
    expect((await env.api(otherStaff, 'GET', '/api/announcements')).body.items).toEqual([]);
    expect((await env.api(staff, 'GET', '/api/users')).body.error.code).toBe('FORBIDDEN_ROLE');
    const created = await env.api(admin, 'POST', '/api/users', {
      username: 'canbo3',
      password: 'mot-mat-khau-dai',
      role: 'staff',
      communes: ['90002'],
    });
    expect(created.status).toBe(201);
    expect(
      (
        await env.api(admin, 'POST', '/api/users', {
          username: 'canbo3',
          password: 'mot-mat-khau-dai',
          role: 'staff',
          communes: ['90002'],
        })
      ).body.error.code,
    ).toBe('USER_EXISTS');
    expect(
      (
        await env.api(admin, 'POST', '/api/users', {
          username: 'x4',
          password: 'ngan',
          role: 'staff',
          communes: ['90002'],
        })
      ).body.error.code,
    ).toBe('USERNAME_INVALID');
    expect(
      (
        await env.api(admin, 'POST', '/api/users', {
          username: 'canbo4',
          password: 'ngan',
          role: 'staff',
          communes: ['90002'],
        })
      ).body.error.code,
    ).toBe('PASSWORD_WEAK');
  });

  it('an emergency is approved and scheduled for now; speaker logs show per hamlet', async () => {
    expect(
      (await env.api(staff, 'POST', '/api/emergency', { title: 'Bão', text: 'Bão sắp đổ bộ', hamlets: 'all' })).body
        .error.code,
    ).toBe('FORBIDDEN_ROLE');
    const speaker = await env.speakerClient('xa1-ap3-loa');
    // the emergency travels in the commune's one area order that all its speakers read
    const topic = areaTopic('emergency', 'commune', '90001');
    const orders: AreaEmergencyOrder[] = [];
    speaker.on('message', (t, payload) => {
      if (t !== topic) return;
      const v = verifyAreaOrder(
        'emergency',
        JSON.parse(payload.toString()),
        env.console.keys.get('90001')!.publicKeyPem,
        {
          issuer: { level: 'commune', code: '90001' },
          minVersion: 1,
        },
      );
      if (v.ok) orders.push(v.order);
    });
    await speaker.subscribeAsync(topic, { qos: 0 });
    const before = Date.now();
    const r = await env.api(leader, 'POST', '/api/emergency', {
      title: 'Cảnh báo bão số 9',
      text: 'Bà con khẩn trương chằng chống nhà cửa, không ra khơi.',
      hamlets: ['xa1-ap3'],
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('approved');
    const item = await waitFor(
      () => orders.at(-1)?.items.find((i) => i.announcement === r.body.id),
      20_000,
      'emergency order',
    );
    expect(item.priority).toBe('emergency');
    expect([item.communes, item.hamlets]).toEqual([['90001'], ['xa1-ap3']]);
    expect(item.occurrences).toHaveLength(1);
    expect(Date.parse(item.occurrences[0])).toBeGreaterThanOrEqual(before - 1000);

    let detail = await env.api(leader, 'GET', `/api/announcements/${r.body.id}`);
    expect(detail.body.announcement.delivery).toEqual([
      expect.objectContaining({ hamlet: 'xa1-ap3', label: 'chờ phát' }),
    ]);
    const log = {
      v: 1 as const,
      id: randomUUID(),
      announcement: r.body.id,
      priority: 'emergency' as const,
      occurrence: item.occurrences[0],
      outcome: 'played' as const,
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
    };
    await speaker.publishAsync(topicFor('xa1-ap3-loa', 'broadcast-log'), encode('broadcast-log', log), { qos: 1 });
    await speaker.publishAsync(topicFor('xa1-ap3-loa', 'broadcast-log'), encode('broadcast-log', log), { qos: 1 }); // a QoS 1 redelivery
    detail = await waitFor(
      async () => {
        const d = await env.api(district, 'GET', `/api/announcements/${r.body.id}`);
        return d.body.announcement.delivery[0].label === 'đã phát' && d;
      },
      20_000,
      'đã phát',
    );
    expect(detail.body.announcement.delivery[0].counts).toEqual({ played: 1, failed: 0, missed: 0, timesSpoken: 1 });
    expect(env.console.feedback.stats.duplicates).toBe(1);
  });

  it("stores a burst of speakers' reports (a province's stop) whole: every good log once, a bad one counted, none lost with it", async () => {
    const speaker = await env.speakerClient('xa1-ap2-loa');
    const topic = topicFor('xa1-ap2-loa', 'broadcast-log');
    const before = { ...env.console.feedback.stats, dropped: { ...env.console.feedback.stats.dropped } };
    const at = new Date().toISOString();
    const logs = Array.from({ length: 300 }, (_, i) => ({
      v: 1 as const,
      id: randomUUID(),
      announcement: `dot-${i % 3}`,
      priority: 'normal' as const,
      occurrence: at,
      outcome: 'failed' as const,
      reason: 'stopped',
      startedAt: at,
    }));
    // all at once, with a garbage report and a repeat among them: they arrive in the same turns of the console's loop
    await Promise.all([
      ...logs.map((l) => speaker.publishAsync(topic, encode('broadcast-log', l), { qos: 1 })),
      speaker.publishAsync(topic, '{"v":1,"id":', { qos: 1 }),
      speaker.publishAsync(topic, encode('broadcast-log', logs[7]), { qos: 1 }),
    ]);
    await waitFor(() => env.console.feedback.stats.logs - before.logs === 300, 20_000, '300 logs stored');
    await waitFor(() => env.console.feedback.stats.duplicates - before.duplicates === 1, 20_000, 'the repeat');
    const dropped = Object.values(env.console.feedback.stats.dropped).reduce((a, b) => a + b, 0);
    expect(dropped - Object.values(before.dropped).reduce((a, b) => a + b, 0)).toBe(1);
    expect(env.console.feedback.stats.dropped['store-error'] ?? 0).toBe(0);
    const stored = ['dot-0', 'dot-1', 'dot-2'].flatMap((a) => env.console.store.deliveries.forAnnouncement(a));
    expect(new Set(stored.map((d) => d.id))).toEqual(new Set(logs.map((l) => l.id)));
    await speaker.endAsync(true);
  });

  it('keeps everything across a restart and the schedule version keeps increasing', async () => {
    const list = (await env.api(leader, 'GET', '/api/announcements')).body.items.length;
    const versionBefore = env.console.store.speakers.get(SPEAKER)!.version;
    await env.restart();
    const token = await env.login('lanhdao1');
    expect((await env.api(token, 'GET', '/api/announcements')).body.items.length).toBe(list);
    // sessions live in the database too: a restart logs nobody out
    expect((await env.api(staff, 'GET', '/api/announcements')).body.items.length).toBe(list);
    await env.api(staff, 'DELETE', '/api/session');
    expect((await env.api(staff, 'GET', '/api/announcements')).body.error.code).toBe('UNAUTHENTICATED');
    const staffAgain = await env.login('canbo1');
    const id = (await env.api(staffAgain, 'POST', '/api/announcements', announcement())).body.id;
    await env.api(staffAgain, 'POST', `/api/announcements/${id}/submit`);
    expect((await env.api(token, 'POST', `/api/announcements/${id}/approve`)).body.status).toBe('approved');
    await waitFor(
      () => (env.console.store.speakers.get(SPEAKER)?.version ?? 0) > versionBefore,
      20_000,
      'new version after restart',
    );
  });

  it('after the broker restarts empty, the console resubscribes and publishes the schedules again', async () => {
    await env.restartBroker();
    const speaker = await env.speakerClient('xa1-ap2-loa');
    const watch = scheduleWatcher(speaker, 'xa1-ap2-loa', 'xa1-ap2');
    await speaker.subscribeAsync(topicFor('xa1-ap2-loa', 'schedule'), { qos: 1 });
    await waitFor(() => watch.latest(), 30_000, 'schedule retained again on the new broker');
    const status = {
      v: 1 as const,
      active: watch.latest()!.version,
      status: 'accepted' as const,
      at: new Date().toISOString(),
    };
    await waitFor(
      async () => {
        // publish until the console has resubscribed and recorded it
        await speaker.publishAsync(topicFor('xa1-ap2-loa', 'schedule-status'), encode('schedule-status', status), {
          qos: 1,
        });
        return env.console.store.speakers.get('xa1-ap2-loa')?.status === 'accepted';
      },
      30_000,
      'feedback after the broker restart',
    );
  });
});
