import { describe, expect, it } from 'vitest';
import { DEFAULT_SOUND_POLICY, type ScheduleDocument, type ScheduleItem } from '../../devices/contract/broadcast.ts';
import { encode } from '../../devices/contract/index.ts';
import { generateScheduleKeys, signSchedule } from '../../devices/schedule-signature.ts';
import { topicFor, type IssuerChannel } from '../../devices/topics.ts';
import { audioBytes, COMMUNE, item, iso, KEYS, scheduleDoc, waitFor, withTimeout } from './helpers/fixtures.ts';
import { speakerSuite } from './helpers/suite.ts';
import type { SpeakerRig } from './helpers/rig.ts';

// 09:00 Vietnam time
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MIN = 60_000;
const PROVINCE = { code: '82', keys: generateScheduleKeys() };
const OTHER_PROVINCE = { code: '80', keys: generateScheduleKeys() };
const upperKeys = [{ level: 'province' as const, code: PROVINCE.code, publicKey: PROVINCE.keys.publicKey }];

function provinceDoc(
  speaker: string,
  version: number,
  items: ScheduleItem[],
  over: Partial<ScheduleDocument> = {},
): ScheduleDocument {
  return scheduleDoc(speaker, version, items, { issuer: { level: 'province', code: PROVINCE.code }, ...over });
}

describe('a speaker trusts its commune and its province, each on its own topic, merged on the unit', () => {
  const { env, speaker, deliver, obeysStopSentWhileOff } = speakerSuite();
  const ref = (seed: string) => env.audio.add(audioBytes(seed));
  const send = async (rig: SpeakerRig, channel: IssuerChannel, payload: ReturnType<typeof signSchedule>) =>
    withTimeout(
      env.console.client.publishAsync(topicFor(rig.deviceId, channel), encode(channel, payload), {
        qos: 1,
        retain: true,
      }),
    );
  const lastStatus = (rig: SpeakerRig) => rig.tc.statuses.at(-1);

  it("a province emergency cuts the commune's normal announcement that is playing, and both documents stay in force", async () => {
    const rig = await speaker({ t0: T0, playMs: 60_000, config: { upperKeys } });
    const start = T0 + 5 * MIN;
    await deliver(rig, 1, [item({ announcement: 'hop-dan', audio: ref('xa'), occurrences: [iso(start)] })]);
    await send(
      rig,
      'schedule-province',
      signSchedule(
        provinceDoc(rig.deviceId, 1, [
          item({
            announcement: 'bao-bao',
            priority: 'emergency',
            audio: ref('tinh'),
            occurrences: [iso(start + 10_000)],
          }),
        ]),
        PROVINCE.keys.privateKey,
      ),
    );
    await waitFor(() => rig.unit.versionOf('province') === 1);
    expect(lastStatus(rig)).toMatchObject({
      status: 'accepted',
      issuer: 'province',
      actives: { commune: 1, province: 1 },
    });
    await rig.clock.advanceSettled(5 * MIN + 10_000);
    expect(rig.player.plays.map((p) => [p.startedAt, p.stopped])).toEqual([
      [start, true],
      [start + 10_000, false],
    ]);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(logs[0]).toMatchObject({ announcement: 'hop-dan', outcome: 'failed', reason: 'preempted' });
  });

  it('refuses forged, replayed, wrongly-targeted and wrong-level documents, and says why', async () => {
    const rig = await speaker({ t0: T0, config: { upperKeys } });
    const items = [item({ announcement: 'gia-mao', audio: ref('f'), occurrences: [iso(T0 + 30 * MIN)] })];
    const cases: Array<[IssuerChannel, ReturnType<typeof signSchedule>, string]> = [
      // the commune's key on the province topic: a commune cannot forge an item of the province
      ['schedule-province', signSchedule(provinceDoc(rig.deviceId, 5, items), KEYS.privateKey), 'bad-signature'],
      // another province's document replayed here (its own key, its own code)
      [
        'schedule-province',
        signSchedule(
          provinceDoc(rig.deviceId, 5, items, { issuer: { level: 'province', code: OTHER_PROVINCE.code } }),
          OTHER_PROVINCE.keys.privateKey,
        ),
        'bad-signature',
      ],
      // the province's document for another speaker
      ['schedule-province', signSchedule(provinceDoc('loa-khac', 5, items), PROVINCE.keys.privateKey), 'wrong-target'],
      // the province's key claiming to be the commune, on the province topic: wrong level
      [
        'schedule-province',
        signSchedule(scheduleDoc(rig.deviceId, 5, items), PROVINCE.keys.privateKey),
        'wrong-issuer',
      ],
      // a commune document claiming the province's level, on the commune topic
      ['schedule', signSchedule(provinceDoc(rig.deviceId, 5, items), KEYS.privateKey), 'wrong-issuer'],
      // the province's key on the commune topic: a unit's key reaches only its own topic
      ['schedule', signSchedule(provinceDoc(rig.deviceId, 5, items), PROVINCE.keys.privateKey), 'bad-signature'],
      // a commune document of another commune
      [
        'schedule',
        signSchedule(scheduleDoc(rig.deviceId, 5, items, { commune: '26735' }), KEYS.privateKey),
        'wrong-target',
      ],
    ];
    for (const [channel, payload, reason] of cases) {
      const n = rig.tc.statuses.length;
      await send(rig, channel, payload);
      const status = await waitFor(() => rig.tc.statuses.length > n && rig.tc.statuses.at(-1));
      expect([channel, status.status, status.reason]).toEqual([channel, 'refused', reason]);
    }
    expect(rig.unit.versionOf('province')).toBe(0);
    expect(rig.unit.scheduleVersion).toBe(0);
    expect(rig.unit.stats.schedules.refused).toMatchObject({
      'bad-signature': 3,
      'wrong-target': 2,
      'wrong-issuer': 2,
    });
    // an older province document after a newer one is stale
    await send(rig, 'schedule-province', signSchedule(provinceDoc(rig.deviceId, 3, []), PROVINCE.keys.privateKey));
    await waitFor(() => rig.unit.versionOf('province') === 3);
    const n = rig.tc.statuses.length;
    await send(rig, 'schedule-province', signSchedule(provinceDoc(rig.deviceId, 2, items), PROVINCE.keys.privateKey));
    expect(await waitFor(() => rig.tc.statuses.length > n && rig.tc.statuses.at(-1))).toMatchObject({
      status: 'refused',
      reason: 'stale',
      issuer: 'province',
    });
  });

  it('stop now: cuts what plays (relay off), drops what is queued, reports it; a forged stop does nothing; resume plays again', async () => {
    const rig = await speaker({ t0: T0, playMs: 60_000, config: { upperKeys, relayHoldMs: 30_000 } });
    const start = T0 + 2 * MIN;
    const items = [
      item({ announcement: 'dang-phat', audio: ref('s1'), occurrences: [iso(start)] }),
      item({ announcement: 'cho-phat', audio: ref('s2'), occurrences: [iso(start + 20_000)], validityS: 600 }),
      item({ announcement: 'sau-khi-mo', audio: ref('s3'), occurrences: [iso(start + 10 * MIN)] }),
    ];
    await deliver(rig, 1, items);
    await rig.clock.advanceSettled(2 * MIN + 30_000);
    expect(rig.player.playing?.startedAt).toBe(start);
    expect(rig.relay.on).toBe(true);
    // a forged stop (signed with another key) must not silence anything
    const stop = { id: 'dung-1', at: iso(T0), until: null };
    await send(
      rig,
      'schedule-province',
      signSchedule(provinceDoc(rig.deviceId, 1, [], { stop }), generateScheduleKeys().privateKey),
    );
    await waitFor(() => lastStatus(rig)?.reason === 'bad-signature');
    expect(rig.player.playing?.startedAt).toBe(start);
    // the province's real stop
    await send(
      rig,
      'schedule-province',
      signSchedule(provinceDoc(rig.deviceId, 1, [], { stop }), PROVINCE.keys.privateKey),
    );
    await waitFor(() => rig.player.playing === undefined);
    expect(rig.player.plays[0].stopped).toBe(true);
    expect(rig.relay.on).toBe(false);
    expect(lastStatus(rig)).toMatchObject({ status: 'accepted', stopped: { id: 'dung-1', level: 'province' } });
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['dang-phat']).toMatchObject({ outcome: 'failed', reason: 'stopped', startedAt: iso(start) });
    expect(by['cho-phat']).toMatchObject({ outcome: 'skipped', reason: 'stopped' });
    // resume: the province's next document has no stop; what comes later plays
    await send(rig, 'schedule-province', signSchedule(provinceDoc(rig.deviceId, 2, []), PROVINCE.keys.privateKey));
    await waitFor(() => lastStatus(rig)?.stopped === null);
    await rig.clock.advanceSettled(10 * MIN);
    expect(rig.player.plays.at(-1)?.startedAt).toBe(start + 10 * MIN);
    expect(rig.player.plays).toHaveLength(2);
  });

  it("a commune's stop silences the commune's items, never the province's", async () => {
    const rig = await speaker({ t0: T0, playMs: 30_000, config: { upperKeys } });
    const start = T0 + 2 * MIN;
    const stop = { id: 'dung-xa', at: iso(T0), until: null };
    await env.console.publish(
      rig.deviceId,
      signSchedule(
        scheduleDoc(rig.deviceId, 1, [item({ announcement: 'cua-xa', audio: ref('c1'), occurrences: [iso(start)] })], {
          stop,
        }),
        KEYS.privateKey,
      ),
    );
    await send(
      rig,
      'schedule-province',
      signSchedule(
        provinceDoc(rig.deviceId, 1, [
          item({ announcement: 'cua-tinh', audio: ref('c2'), occurrences: [iso(start + 5 * MIN)] }),
        ]),
        PROVINCE.keys.privateKey,
      ),
    );
    await waitFor(() => rig.unit.versionOf('province') === 1 && rig.unit.scheduleVersion === 1);
    await rig.clock.advanceSettled(8 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start + 5 * MIN]);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['cua-xa']).toMatchObject({ outcome: 'skipped', reason: 'stopped' });
    expect(by['cua-tinh']).toMatchObject({ outcome: 'played' });
  });

  it('a speaker that was off when the stop was sent obeys the retained stop when it comes back, until its end', async () => {
    const id = 'loa-tro-lai';
    // while it is off the province stops everything until start + 10 min
    await obeysStopSentWhileOff({
      t0: T0,
      id,
      config: { upperKeys },
      stopId: 'dung-tinh',
      sendStop: (rig, until) => {
        const stop = { id: 'dung-tinh', at: iso(T0), until: iso(until) };
        return send(rig, 'schedule-province', signSchedule(provinceDoc(id, 1, [], { stop }), PROVINCE.keys.privateKey));
      },
    });
  });

  it('enforces quiet hours on the unit for a document that schedules a normal announcement at night, and the strictest policy wins', async () => {
    // 21:30 Vietnam time
    const night = Date.parse('2026-11-25T14:30:00.000Z');
    const rig = await speaker({ t0: night - 10 * MIN, playMs: 10_000, config: { upperKeys } });
    const noQuiet = { quietHours: { periods: [], exempt: ['emergency' as const] }, volumeCaps: [] };
    // the commune document asks for no quiet hours; the province's default policy still applies
    await env.console.publish(
      rig.deviceId,
      signSchedule(
        scheduleDoc(
          rig.deviceId,
          1,
          [
            item({ announcement: 'nhac-dem', audio: ref('q1'), occurrences: [iso(night)] }),
            item({
              announcement: 'canh-bao-dem',
              priority: 'emergency',
              audio: ref('q2'),
              occurrences: [iso(night + MIN)],
            }),
          ],
          { policy: noQuiet },
        ),
        KEYS.privateKey,
      ),
    );
    await send(
      rig,
      'schedule-province',
      signSchedule(provinceDoc(rig.deviceId, 1, [], { policy: DEFAULT_SOUND_POLICY }), PROVINCE.keys.privateKey),
    );
    await waitFor(() => rig.unit.versionOf('province') === 1 && rig.unit.scheduleVersion === 1);
    await rig.clock.advanceSettled(12 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([night + MIN]);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    const by = Object.fromEntries(logs.map((l) => [l.announcement, l]));
    expect(by['nhac-dem']).toMatchObject({ outcome: 'skipped', reason: 'quiet-hours' });
    expect(by['canh-bao-dem']).toMatchObject({ outcome: 'played', priority: 'emergency' });
  });
});

void COMMUNE;
