import { beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDocument } from '../../devices/contract/index.ts';
import { verifyStation } from '../../devices/station-signature.ts';
import { generateScheduleKeys } from '../../devices/schedule-signature.ts';
import { consoleEnv, scheduleReader, waitFor, type Env } from './helpers.ts';

/** Relay announcements in the console: the province's station list, the relay draft, the signed item. */
let env: Env;
let admin: string, staff: string, leader: string;
const docs: ScheduleDocument[] = [];
const SPEAKER = 'xa1-ap1-loa';
// Vietnam dates: tomorrow and in five days (the schedule must fall within the console's horizon); 20:00 and
// its 30 minutes end before the default quiet hours (21:00–05:30), which the console refuses
const vnDate = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);
const from = vnDate(Date.now() + 86_400_000),
  to = vnDate(Date.now() + 5 * 86_400_000);

beforeAll(async () => {
  env = await consoleEnv();
  [admin, staff, leader] = await Promise.all(['quantri', 'canbo1', 'lanhdao1'].map((u) => env.login(u)));
  await scheduleReader(env, SPEAKER, docs);
});

const relayBody = (station: string, over: Record<string, unknown> = {}) => ({
  title: 'Tiếp sóng Đài Tiếng nói Việt Nam',
  hamlets: ['xa1-ap1'],
  relay: { station, durationMin: 30 },
  schedule: { kind: 'daily', time: '20:00', from, to },
  volume: 70,
  ...over,
});

describe('relay stations and relay announcements', () => {
  let stationId: string;

  it('only the province (admin) approves stations, and only http(s) stream URLs', async () => {
    const asStaff = await env.api(staff, 'POST', '/api/stations', {
      name: 'VOV1',
      url: 'http://127.0.0.1:8000/vov1.mp3',
    });
    expect([asStaff.status, asStaff.body.error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    for (const url of ['file:///etc/passwd', 'rtmp://127.0.0.1/live', 'javascript:alert(1)', 42]) {
      const bad = await env.api(admin, 'POST', '/api/stations', { name: 'Đài lạ', url });
      expect([bad.status, bad.body.error.code], String(url)).toEqual([400, 'STATION_INVALID']);
    }
    const ok = await env.api(admin, 'POST', '/api/stations', {
      name: 'Đài Tiếng nói Việt Nam - VOV1',
      url: 'http://127.0.0.1:8000/vov1.mp3',
      format: 'mp3',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    stationId = ok.body.id;
    const list = await env.api(staff, 'GET', '/api/stations');
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([stationId]);
    expect(list.body.items[0].signed, 'the signed entry stays in the schedules').toBeUndefined();
    // the request's schema answers with the same codes as the service
    for (const body of [
      { url: 'http://127.0.0.1:8000/a.mp3' },
      { name: ' ', url: 'http://127.0.0.1:8000/a.mp3' },
      null,
    ]) {
      const bad = await env.api(admin, 'POST', '/api/stations', body);
      expect([bad.status, bad.body.error?.code], JSON.stringify(body)).toEqual([400, 'STATION_INVALID']);
    }
    const badFormat = await env.api(admin, 'POST', '/api/stations', {
      name: 'X',
      url: 'http://127.0.0.1/x',
      format: 'wma',
    });
    expect([badFormat.status, badFormat.body.error?.code]).toEqual([400, 'STATION_INVALID']);
    const unknown = await env.api(admin, 'POST', '/api/stations/khong-co/revoke');
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'STATION_UNKNOWN']);
  });

  it('a relay of an unknown station, or with a bad duration, is refused', async () => {
    const unknown = await env.api(staff, 'POST', '/api/announcements', relayBody('dai-khong-co'));
    expect(unknown.body.error.code).toBe('STATION_UNKNOWN');
    const long = await env.api(
      staff,
      'POST',
      '/api/announcements',
      relayBody(stationId, { relay: { station: stationId, durationMin: 100_000 } }),
    );
    expect(long.body.error.code).toBe('RELAY_INVALID');
  });

  it('an approved relay reaches the speaker signed, with the province-signed station and its window', async () => {
    const created = await env.api(staff, 'POST', '/api/announcements', relayBody(stationId));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.announcement.source).toMatchObject({ kind: 'relay', station: stationId, durationS: 1800 });
    expect(created.body.announcement.text).toMatch(/tiếp sóng/);
    expect((await env.api(staff, 'POST', `/api/announcements/${created.body.id}/submit`)).status).toBe(200);
    expect((await env.api(leader, 'POST', `/api/announcements/${created.body.id}/approve`)).status).toBe(200);
    const doc = await waitFor(
      () => docs.find((d) => d.items.some((i) => i.source?.kind === 'relay')),
      20_000,
      'relay schedule',
    );
    const it = doc.items.find((i) => i.source?.kind === 'relay')!;
    expect(it.validityS).toBe(1800);
    const src = it.source as Extract<typeof it.source, { kind: 'relay' }>;
    expect(src.durationS).toBe(1800);
    const verdict = verifyStation(src.station, [env.console.stations.publicKeyPem]);
    expect(verdict).toMatchObject({ ok: true, station: { url: 'http://127.0.0.1:8000/vov1.mp3', format: 'mp3' } });
    // a commune key (or any other) is not the province's
    expect(
      verifyStation(src.station, [env.console.keys.get('90001')!.publicKeyPem, generateScheduleKeys().publicKey]).ok,
    ).toBe(false);
  });

  it('a station the province revokes: its relays are withdrawn from the signed schedules, new ones refused', async () => {
    // a second relay of it waits for approval when the station is revoked
    const pending = await env.api(
      staff,
      'POST',
      '/api/announcements',
      relayBody(stationId, { title: 'Tiếp sóng buổi sáng', schedule: { kind: 'daily', time: '06:00', from, to } }),
    );
    expect(pending.status, JSON.stringify(pending.body)).toBe(201);
    expect((await env.api(staff, 'POST', `/api/announcements/${pending.body.id}/submit`)).status).toBe(200);
    const asStaff = await env.api(staff, 'POST', `/api/stations/${stationId}/revoke`);
    expect([asStaff.status, asStaff.body.error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    const seen = docs.length;
    const revoked = await env.api(admin, 'POST', `/api/stations/${stationId}/revoke`);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ id: stationId, revokedBy: 'quantri' });
    // the speaker gets a re-issued schedule without the relay
    const doc = await waitFor(
      () => docs.slice(seen).find((d) => !d.items.some((i) => i.source?.kind === 'relay')),
      20_000,
      'schedule without the relay',
    );
    expect(doc.items.filter((i) => i.source?.kind === 'relay')).toEqual([]);
    const approve = await env.api(leader, 'POST', `/api/announcements/${pending.body.id}/approve`);
    expect([approve.status, approve.body.error?.code]).toEqual([409, 'STATION_REVOKED']);
    const fresh = await env.api(staff, 'POST', '/api/announcements', relayBody(stationId));
    expect([fresh.status, fresh.body.error?.code]).toEqual([409, 'STATION_REVOKED']);
    const audit = (await env.api(admin, 'GET', '/api/audit')).body.items as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['station.revoke', 'station-revoked']));
  });
});
