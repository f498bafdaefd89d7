import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AreaEmergencyItem, AreaEmergencyOrder } from '../../devices/contract/broadcast.ts';
import { encode } from '../../devices/contract/index.ts';
import { generateScheduleKeys, signAreaOrder, signSchedule } from '../../devices/schedule-signature.ts';
import { areaTopic, topicFor } from '../../devices/topics.ts';
import { audioBytes, COMMUNE, HAMLET, item, iso, KEYS, scheduleDoc, waitFor, withTimeout } from './helpers/fixtures.ts';
import { speakerSuite } from './helpers/suite.ts';
import type { SpeakerRig } from './helpers/rig.ts';

// 09:00 Vietnam time
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MIN = 60_000;
const PROVINCE = { code: '82', keys: generateScheduleKeys() };
const upperKeys = [{ level: 'province' as const, code: PROVINCE.code, publicKey: PROVINCE.keys.publicKey }];
const TOPIC = areaTopic('emergency', 'province', PROVINCE.code);

function order(
  version: number,
  items: AreaEmergencyItem[],
  over: Partial<AreaEmergencyOrder> = {},
): AreaEmergencyOrder {
  return { v: 1, issuer: { level: 'province', code: PROVINCE.code }, version, issuedAt: iso(T0), items, ...over };
}

describe("the area emergency order: one signed message on the province's topic reaches all its speakers", () => {
  const { env, speaker, deliver } = speakerSuite();
  const ref = (seed: string) => env.audio.add(audioBytes(seed));
  const send = (payload: ReturnType<typeof signAreaOrder> | string) =>
    withTimeout(
      env.console.client.publishAsync(TOPIC, typeof payload === 'string' ? payload : JSON.stringify(payload), {
        qos: 1,
        retain: true,
      }),
    );
  const emergency = (over: Partial<AreaEmergencyItem> & { audio: AreaEmergencyItem['audio']; at: number }) => {
    const { at, ...rest } = over;
    return {
      ...item({ announcement: 'bao-khan', priority: 'emergency', audio: over.audio, occurrences: [iso(at)] }),
      validityS: 600,
      communes: 'all' as const,
      hamlets: 'all' as const,
      ...rest,
    };
  };
  const areaStatuses = (rig: SpeakerRig) => rig.tc.statuses.filter((s) => s.area === 'emergency');

  it('plays at once and cuts what plays; forged, unsigned, garbage, other-province, other-place and replayed orders play nothing and are reported; the same emergency in its own document plays once', async () => {
    const rig = await speaker({ t0: T0, playMs: 60_000, config: { upperKeys, warmupMs: 2_000 } });
    const start = T0 + MIN;
    await deliver(rig, 1, [item({ announcement: 'hop-dan', audio: ref('xa'), occurrences: [iso(start)] })]);
    await rig.clock.advanceSettled(MIN + 5_000);
    expect(rig.player.playing?.startedAt).toBe(start);
    const now = rig.clock.now();
    const bad = emergency({ announcement: 'gia-mao', audio: ref('gia'), at: now });
    // another province's key, the commune's own key, unsigned, garbage, another province named inside
    await send(signAreaOrder('emergency', order(1, [bad]), generateScheduleKeys().privateKey));
    await send(signAreaOrder('emergency', order(1, [bad]), KEYS.privateKey));
    await send({ v: 1, doc: JSON.stringify(order(1, [bad])), sig: '' });
    await send('{"not": json');
    await send(
      signAreaOrder(
        'emergency',
        order(1, [bad], { issuer: { level: 'province', code: '80' } }),
        PROVINCE.keys.privateKey,
      ),
    );
    await waitFor(() => areaStatuses(rig).length === 5);
    expect(rig.unit.stats.areaEmergencies.refused).toEqual({
      'bad-signature': 2,
      unsigned: 1,
      invalid: 1,
      'wrong-issuer': 1,
    });
    expect(areaStatuses(rig).map((s) => [s.status, s.reason, s.issuer])).toEqual([
      ['refused', 'bad-signature', 'province'],
      ['refused', 'bad-signature', 'province'],
      ['refused', 'unsigned', 'province'],
      ['refused', 'invalid', 'province'],
      ['refused', 'wrong-issuer', 'province'],
    ]);
    // signed by the province, but for another commune, and for another hamlet of this commune: accepted, not for it
    await send(
      signAreaOrder(
        'emergency',
        order(1, [
          { ...bad, communes: ['26735'] },
          { ...bad, announcement: 'ap-khac', hamlets: ['thon-tay'] },
        ]),
        PROVINCE.keys.privateKey,
      ),
    );
    await waitFor(() => rig.unit.stats.areaEmergencies.accepted === 1);
    await rig.clock.advanceSettled(10_000);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([start]);
    // the real one: for this commune and hamlet, now
    const warning = emergency({ audio: ref('bao'), at: now + 10_000, communes: [COMMUNE], hamlets: [HAMLET] });
    await send(signAreaOrder('emergency', order(2, [warning]), PROVINCE.keys.privateKey));
    await waitFor(() => rig.unit.stats.areaEmergencies.accepted === 2);
    // fetched on arrival (the fake clock would otherwise run ahead of the real download)
    await waitFor(() => existsSync(join(rig.dataDir, 'audio', warning.audio.sha256)));
    await rig.clock.advanceSettled(15_000);
    expect(rig.player.plays.map((p) => [p.startedAt, p.stopped])).toEqual([
      [start, true],
      [now + 10_000, false],
    ]);
    expect(rig.player.plays[1].file).toMatch(warning.audio.sha256);
    // an older order replayed: refused as stale, reported with the version it carried
    await send(signAreaOrder('emergency', order(1, [bad]), PROVINCE.keys.privateKey));
    await waitFor(() => rig.unit.stats.areaEmergencies.refused.stale === 1);
    expect(areaStatuses(rig).at(-1)).toMatchObject({ status: 'refused', reason: 'stale', received: 1 });
    // the province's own document for this speaker carries the same emergency: the same occurrence, not a second play
    const { communes: _c, hamlets: _h, ...plain } = warning;
    await withTimeout(
      env.console.client.publishAsync(
        topicFor(rig.deviceId, 'schedule-province'),
        encode(
          'schedule-province',
          signSchedule(
            scheduleDoc(rig.deviceId, 1, [plain], {
              issuer: { level: 'province', code: PROVINCE.code },
            }),
            PROVINCE.keys.privateKey,
          ),
        ),
        { qos: 1, retain: true },
      ),
    );
    await waitFor(() => rig.unit.versionOf('province') === 1);
    await rig.clock.advanceSettled(2 * MIN);
    expect(rig.player.plays).toHaveLength(2);
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 2 && env.collector.of(rig.deviceId));
    expect(logs.map((l) => [l.announcement, l.outcome])).toEqual([
      ['hop-dan', 'failed'],
      ['bao-khan', 'played'],
    ]);
  });

  it('audio whose bytes do not match the signed hash is never played', async () => {
    const rig = await speaker({ t0: T0, playMs: 10_000, config: { upperKeys } });
    const good = ref('that-that');
    env.audio.files.set(good.sha256, audioBytes('gia-mao'));
    await send(
      signAreaOrder(
        'emergency',
        order(10, [emergency({ announcement: 'bao-gia', audio: good, at: T0 })]),
        PROVINCE.keys.privateKey,
      ),
    );
    const logs = await waitFor(() => env.collector.of(rig.deviceId).length === 1 && env.collector.of(rig.deviceId));
    expect(logs[0]).toMatchObject({ announcement: 'bao-gia', outcome: 'failed' });
    expect(logs[0].reason).toMatch(/^audio-hash-mismatch/);
    expect(rig.player.plays).toHaveLength(0);
    expect(rig.relay.on).toBe(false);
  });

  it('a speaker that was off plays the retained order when it comes back, from disk too; a file edited on the card is ignored', async () => {
    const id = 'loa-khan-tro-lai';
    await send('');
    let rig = await speaker({ t0: T0, playMs: 5_000, id, config: { upperKeys } });
    const dataDir = rig.dataDir;
    await rig.stop();
    const later = emergency({ announcement: 'lu-lon', audio: ref('lu'), at: T0 + 2 * MIN });
    await send(signAreaOrder('emergency', order(1, [later]), PROVINCE.keys.privateKey));
    rig = await speaker({ t0: T0 + MIN, playMs: 5_000, id, dataDir, config: { upperKeys } });
    await waitFor(() => rig.unit.stats.areaEmergencies.accepted === 1);
    // off again; the broker forgets the order; the unit boots from its card alone
    await rig.stop();
    await send('');
    rig = await speaker({ t0: T0 + MIN, playMs: 5_000, id, dataDir, config: { upperKeys } });
    await rig.clock.advanceSettled(2 * MIN);
    expect(rig.player.plays.map((p) => p.startedAt)).toEqual([T0 + 2 * MIN]);
    await rig.stop();
    // an order edited on the card (a second emergency added) fails its signature on boot: nothing plays from it
    const file = join(dataDir, 'area-emergency-province.json');
    const held = JSON.parse(readFileSync(file, 'utf8'));
    const doc = JSON.parse(held.doc);
    doc.items.push({ ...doc.items[0], announcement: 'them-vao', occurrences: [iso(T0 + 6 * MIN)] });
    writeFileSync(file, JSON.stringify({ ...held, doc: JSON.stringify(doc) }));
    rig = await speaker({ t0: T0 + 5 * MIN, playMs: 5_000, id, dataDir, config: { upperKeys } });
    await rig.clock.advanceSettled(3 * MIN);
    expect(rig.player.plays).toHaveLength(0);
  });
});
