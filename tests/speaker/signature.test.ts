import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSchedule, verifySchedule } from '../../devices/schedule-signature.ts';
import { TestBroker } from '../support/test-broker.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { FakeTrustedTime } from './helpers/trusted-time.ts';
import {
  AudioServer,
  COMMUNE,
  HAMLET,
  KEYS,
  OTHER_KEYS,
  audioBytes,
  item,
  iso,
  scheduleDoc,
  waitFor,
} from './helpers/fixtures.ts';
import { ConsolePublisher, SpeakerRig } from './helpers/rig.ts';
import { tempDir } from '../harness/temp.ts';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');
const SPEAKER = 'loa-thon-dong';
const expectFor = { speaker: SPEAKER, hamlet: HAMLET, commune: COMMUNE, minVersion: 2 };

describe('verifySchedule', () => {
  const doc = scheduleDoc(SPEAKER, 2, []);

  it('accepts a document signed by the commune key', () => {
    const r = verifySchedule(signSchedule(doc, KEYS.privateKey), KEYS.publicKey, expectFor);
    expect(r.ok && r.doc.version).toBe(2);
  });

  it('accepts the public key as base64 SPKI DER (the registry form)', () => {
    const der = createPublicKey(KEYS.publicKey).export({ type: 'spki', format: 'der' }).toString('base64');
    expect(verifySchedule(signSchedule(doc, KEYS.privateKey), der, expectFor).ok).toBe(true);
  });

  it('refuses a document signed by another key (forged)', () => {
    const r = verifySchedule(signSchedule(doc, OTHER_KEYS.privateKey), KEYS.publicKey, expectFor);
    expect(r.ok ? null : r.reason).toBe('bad-signature');
  });

  it('refuses a document altered after signing', () => {
    const signed = signSchedule(doc, KEYS.privateKey);
    const tampered = { ...signed, doc: signed.doc.replace('"version":2', '"version":9') };
    expect(verifySchedule(tampered, KEYS.publicKey, expectFor)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses an unsigned document (no sig, empty sig, or a bare document)', () => {
    const signed = signSchedule(doc, KEYS.privateKey);
    expect(verifySchedule({ v: 1, doc: signed.doc }, KEYS.publicKey, expectFor)).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    expect(verifySchedule({ ...signed, sig: '' }, KEYS.publicKey, expectFor)).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    expect(verifySchedule(doc, KEYS.publicKey, expectFor)).toMatchObject({ ok: false, reason: 'unsigned' });
  });

  it('refuses an older version (a replay)', () => {
    const r = verifySchedule(signSchedule(scheduleDoc(SPEAKER, 1, []), KEYS.privateKey), KEYS.publicKey, expectFor);
    expect(r).toMatchObject({ ok: false, reason: 'stale', version: 1 });
  });

  it('refuses a document for another speaker, hamlet or commune', () => {
    for (const over of [{ speaker: 'loa-khac' }, { hamlet: 'thon-khac' }, { commune: '26735' }]) {
      const r = verifySchedule(
        signSchedule(scheduleDoc(SPEAKER, 3, [], over), KEYS.privateKey),
        KEYS.publicKey,
        expectFor,
      );
      expect(r).toMatchObject({ ok: false, reason: 'wrong-target' });
    }
  });

  it('refuses garbage without throwing', () => {
    expect(verifySchedule('nope', KEYS.publicKey, expectFor)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(verifySchedule({ v: 1, doc: '{not json', sig: 'AAAA' }, KEYS.publicKey, expectFor)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });
});

describe('a speaker receiving schedules over MQTT', () => {
  const broker = new TestBroker();
  const audio = new AudioServer();
  let rig: SpeakerRig;
  let console_: ConsolePublisher;
  const clock = new FakeClock(T0);
  const time = new FakeTrustedTime(true);

  beforeAll(async () => {
    await broker.start();
    await audio.start();
    rig = new SpeakerRig(SPEAKER, broker.url, tempDir(), clock, time, { consoleUrl: audio.url });
    await rig.start();
    await waitFor(() => rig.tc.client.connected);
    console_ = new ConsolePublisher(broker.url);
  });
  afterAll(async () => {
    await console_.close();
    await rig.stop();
    await audio.stop();
    await broker.stop();
  });

  const lastStatus = () => rig.tc.statuses.at(-1);
  const ref = () => audio.add(audioBytes('sig'));

  it('accepts version 2, then refuses forged, unsigned, replayed-older and wrong-commune ones, reporting why', async () => {
    const good = scheduleDoc(SPEAKER, 2, [item({ audio: ref(), occurrences: [iso(T0 + 3_600_000)] })]);
    await console_.publish(SPEAKER, signSchedule(good, KEYS.privateKey));
    await waitFor(() => lastStatus()?.status === 'accepted');
    expect(lastStatus()).toMatchObject({ active: 2, received: 2, status: 'accepted' });

    const cases = [
      { payload: signSchedule(scheduleDoc(SPEAKER, 3, []), OTHER_KEYS.privateKey), reason: 'bad-signature' },
      { payload: { v: 1, doc: JSON.stringify(scheduleDoc(SPEAKER, 4, [])) }, reason: 'unsigned' },
      { payload: signSchedule(scheduleDoc(SPEAKER, 1, []), KEYS.privateKey), reason: 'stale' },
      {
        payload: signSchedule(scheduleDoc(SPEAKER, 5, [], { commune: '26735' }), KEYS.privateKey),
        reason: 'wrong-target',
      },
    ];
    for (const c of cases) {
      const before = rig.tc.statuses.length;
      await console_.publish(SPEAKER, c.payload);
      await waitFor(() => rig.tc.statuses.length > before);
      expect(lastStatus()).toMatchObject({ status: 'refused', reason: c.reason, active: 2 });
    }
    expect(rig.unit.scheduleVersion).toBe(2);
    expect(rig.unit.stats.schedules.refused).toEqual({ 'bad-signature': 1, unsigned: 1, stale: 1, 'wrong-target': 1 });
  });

  it('a different document with the same version is refused as stale', async () => {
    const before = rig.tc.statuses.length;
    await console_.publish(SPEAKER, signSchedule(scheduleDoc(SPEAKER, 2, []), KEYS.privateKey));
    await waitFor(() => rig.tc.statuses.length > before);
    expect(lastStatus()).toMatchObject({ status: 'refused', reason: 'stale', received: 2 });
  });

  it('the retained status on the broker carries the refusal reason', async () => {
    const sub = new ConsolePublisher(broker.url);
    const got: unknown[] = [];
    sub.client.on('message', (_t, b) => got.push(JSON.parse(b.toString())));
    await sub.client.subscribeAsync(`tt/v1/${SPEAKER}/schedule-status`);
    await waitFor(() => got.length > 0);
    expect(got[0]).toMatchObject({ status: 'refused', reason: 'stale', active: 2 });
    await sub.close();
  });
});
