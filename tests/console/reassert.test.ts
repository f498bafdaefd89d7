import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../devices/contract/index.ts';
import { verifySchedule } from '../../devices/schedule-signature.ts';
import { topicFor } from '../../devices/topics.ts';
import { consoleEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
const SPEAKER = 'xa1-ap2-loa';
const TOPIC = topicFor(SPEAKER, 'schedule');
let announcementId: string;

/** what a speaker with no local copy gets when it subscribes now: the retained document, or null */
async function retainedNow(): Promise<Buffer | null> {
  const c = await env.speakerClient(SPEAKER);
  try {
    const got = new Promise<Buffer>((resolve) => c.on('message', (t, p) => t === TOPIC && resolve(p)));
    await c.subscribeAsync(TOPIC, { qos: 1 });
    return await Promise.race([got, new Promise<null>((r) => setTimeout(() => r(null), 1500))]);
  } finally {
    await c.endAsync(true);
  }
}

function verified(payload: Buffer | null) {
  if (!payload) return undefined;
  const r = verifySchedule(JSON.parse(payload.toString()), env.console.keys.get('90001')!.publicKeyPem, {
    speaker: SPEAKER,
    hamlet: 'xa1-ap2',
    commune: '90001',
    minVersion: 1,
  });
  return r.ok ? r.doc : undefined;
}

beforeAll(async () => {
  env = await consoleEnv();
  const [staff, leader] = await Promise.all([env.login('canbo1'), env.login('lanhdao1')]);
  const tomorrow = new Date(Date.now() + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
  announcementId = (
    await env.api(staff, 'POST', '/api/announcements', {
      title: 'Thu gom rác',
      text: 'Sáng mai xe thu gom rác đến lúc bảy giờ.',
      hamlets: ['xa1-ap2'],
      schedule: { kind: 'once', at: `${tomorrow}T07:00` },
    })
  ).body.id;
  await env.api(staff, 'POST', `/api/announcements/${announcementId}/submit`);
  expect((await env.api(leader, 'POST', `/api/announcements/${announcementId}/approve`)).body.status).toBe('approved');
  await waitFor(
    () => verified(env.console.store.signedDocuments.get(TOPIC)?.payload ?? null)?.items.length,
    20_000,
    'approved schedule signed',
  );
  await env.console.publisher.idle();
});

describe('re-assertion of retained schedules', () => {
  it('after a full restart (broker in memory, console restarted while it was down) a speaker with no local copy gets its schedule', async () => {
    const latest = env.console.store.signedDocuments.get(TOPIC)!;
    // nothing changed in the console's data, yet the empty broker must get the schedules back
    await env.restartAll();
    const doc = await waitFor(async () => verified(await retainedNow()), 30_000, 'schedule retained again');
    expect(doc.version).toBe(latest.version);
    expect(doc.items.map((i) => i.announcement)).toEqual([announcementId]);
  });

  it('a broker restart alone: the console reconnects and re-asserts', async () => {
    const before = env.console.stats().publisher.reasserted;
    await env.restartBroker();
    const doc = await waitFor(
      async () => verified(await retainedNow()),
      30_000,
      'schedule retained after broker restart',
    );
    expect(doc.items.map((i) => i.announcement)).toEqual([announcementId]);
    expect(env.console.stats().publisher.reasserted).toBeGreaterThan(before);
  });

  it('a forged document published retained with the console credentials is repaired', async () => {
    const genuine = env.console.store.signedDocuments.get(TOPIC)!.payload;
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(genuine.toString()), items: [] }));
    // through the console's own connection: the guard sees the slot change and publishes over it
    await env.console.mqtt.publishAsync(TOPIC, forged, { qos: 1, retain: true });
    await waitFor(
      async () => (await retainedNow())?.equals(genuine),
      30_000,
      'slot repaired after own-connection forgery',
    );
    expect(env.console.stats().retained.mismatches).toBeGreaterThan(0);

    // through a second connection with the console's credentials (it takes the console's session over)
    const forger = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.broker.port}`, {
      clientId: 'console',
      username: 'console',
      password: env.secrets.console,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await forger.publishAsync(TOPIC, forged, { qos: 1, retain: true });
    await forger.endAsync(true);
    await waitFor(
      async () => (await retainedNow())?.equals(genuine),
      30_000,
      'slot repaired after a second connection forged it',
    );
  });

  it("a speaker's refusal of another document is answered with the latest one", async () => {
    const before = env.console.stats().publisher.reasserted;
    const held = env.console.store.signedDocuments.get(TOPIC)!;
    const speaker = await env.speakerClient(SPEAKER);
    const status = {
      v: 1 as const,
      active: held.version,
      received: held.version + 50,
      status: 'refused' as const,
      reason: 'bad-signature' as const,
      at: new Date().toISOString(),
    };
    await speaker.publishAsync(topicFor(SPEAKER, 'schedule-status'), encode('schedule-status', status), { qos: 1 });
    await waitFor(() => env.console.stats().publisher.reasserted > before, 20_000, 're-asserted after the refusal');
  });
});
