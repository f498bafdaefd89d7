import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AreaEmergencyOrder } from '../../devices/contract/broadcast.ts';
import { verifyAreaOrder } from '../../devices/schedule-signature.ts';
import { areaTopic } from '../../devices/topics.ts';
import { provinceLeaderEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let tinhLeader: string, leader1: string;
beforeAll(async () => {
  ({ env, tinhLeader, leader1 } = await provinceLeaderEnv());
});

const PROVINCE_TOPIC = areaTopic('emergency', 'province', '99');
const verify = (payload: Buffer, code: string, level: 'province' | 'commune' = 'province') =>
  verifyAreaOrder('emergency', JSON.parse(payload.toString()), env.console.keys.get(code)!.publicKeyPem, {
    issuer: { level, code },
    minVersion: 1,
  });

/** the retained message of a topic as a fresh speaker connection reads it */
async function retainedAs(speakerId: string, topic: string): Promise<Buffer | null> {
  const c = await env.speakerClient(speakerId);
  const got = new Promise<Buffer>((resolve) => c.on('message', (t, p) => t === topic && resolve(p)));
  await c.subscribeAsync(topic, { qos: 0 });
  const r = await Promise.race([got, new Promise<null>((r) => setTimeout(() => r(null), 1_500))]);
  await c.endAsync(true);
  return r;
}

describe('the area emergency order: one signed message per unit that all its speakers read (through the project broker)', () => {
  it("a province emergency is one order on the province's topic, signed with its key, naming its communes and hamlets; ending it sends a newer order without it", async () => {
    const speaker = await env.speakerClient('xa2-ap2-loa');
    const orders: AreaEmergencyOrder[] = [];
    const refused: string[] = [];
    speaker.on('message', (t, payload) => {
      if (t !== PROVINCE_TOPIC) return;
      const r = verify(payload, '99');
      if (r.ok) orders.push(r.order);
      else refused.push(r.reason);
    });
    await speaker.subscribeAsync(PROVINCE_TOPIC, { qos: 0 });
    // the speakers' own documents do not carry it: issuing and ending it rebuilds and sends none of them
    await env.console.publisher.idle();
    const documents = () =>
      ['90001', '90002']
        .flatMap((c) => env.console.store.signedDocuments.forCommune(c))
        .map((d) => [d.topic, d.version]);
    const before = documents();
    expect(before.length).toBeGreaterThan(0);
    const e = await env.api(tinhLeader, 'POST', '/api/emergency', {
      title: 'Bão khẩn cấp',
      text: 'Bão mạnh đổ bộ, bà con vào nơi trú ẩn ngay.',
      communes: ['90002'],
      hamlets: 'all',
    });
    expect(e.status).toBe(201);
    const first = await waitFor(() => orders.find((o) => o.items.length > 0), 20_000, 'the area emergency order');
    expect(first).toMatchObject({
      issuer: { level: 'province', code: '99' },
      items: [
        {
          announcement: e.body.id,
          priority: 'emergency',
          communes: ['90002'],
          hamlets: 'all',
          audio: { sha256: e.body.announcement.audio.sha256 },
        },
      ],
    });
    expect(first.items[0].occurrences).toHaveLength(1);
    // the leader ends it: a newer order without it
    expect((await env.api(tinhLeader, 'POST', `/api/announcements/${e.body.id}/stop`)).status).toBe(200);
    const ended = await waitFor(() => orders.find((o) => o.version > first.version), 20_000, 'the end');
    expect(ended.items).toEqual([]);
    await env.console.publisher.idle();
    expect(documents()).toEqual(before);
    expect(refused).toEqual([]);
  });

  it("a commune leader's emergency goes on the commune's own topic, signed with the commune key, for that commune only", async () => {
    const e = await env.api(leader1, 'POST', '/api/emergency', {
      title: 'Cháy rừng',
      text: 'Cháy rừng gần ấp một, bà con tránh xa.',
      hamlets: ['xa1-ap1'],
    });
    expect(e.status).toBe(201);
    const topic = areaTopic('emergency', 'commune', '90001');
    const held = await waitFor(() => env.console.store.signedDocuments.get(topic), 20_000, 'the commune order');
    const r = verify(held.payload, '90001', 'commune');
    expect(r.ok && r.order.items.map((i) => [i.announcement, i.communes, i.hamlets])).toEqual([
      [e.body.id, ['90001'], ['xa1-ap1']],
    ]);
    // the province key does not verify it
    expect(verify(held.payload, '99', 'commune')).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('the broker lets a speaker read only its own units’ emergency topics, and only the console publish there', async () => {
    const speaker = await env.speakerClient('xa1-ap1-loa');
    // another commune's topic, another province's: refused (0x80)
    for (const topic of [areaTopic('emergency', 'commune', '90002'), areaTopic('emergency', 'province', '98')]) {
      const r = await speaker.subscribeAsync(topic, { qos: 0 }).catch((err: unknown) => err);
      expect(JSON.stringify(r)).toMatch(/128/);
    }
    const before = await retainedAs('xa1-ap2-loa', PROVINCE_TOPIC);
    expect(before && verify(before, '99').ok).toBe(true);
    // a speaker, and the integration account, publish a forged order retained: acknowledged and dropped
    const forged = JSON.stringify({ v: 1, doc: '{"v":1}', sig: 'AAAA' });
    await speaker.publishAsync(PROVINCE_TOPIC, forged, { qos: 1, retain: true });
    const integration = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.broker.port}`, {
      clientId: 'node-red',
      username: 'node-red',
      password: env.secrets['node-red'],
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await integration.publishAsync(PROVINCE_TOPIC, forged, { qos: 1, retain: true });
    await integration.endAsync(true);
    const after = await retainedAs('xa1-ap2-loa', PROVINCE_TOPIC);
    expect(after?.equals(before!)).toBe(true);
  });

  it('a refusal of an older order is answered with the latest, and counted', async () => {
    const held = env.console.store.signedDocuments.get(PROVINCE_TOPIC)!;
    const watcher = await env.speakerClient('xa2-ap3-loa');
    const seen: Buffer[] = [];
    watcher.on('message', (t, p) => t === PROVINCE_TOPIC && seen.push(p));
    await watcher.subscribeAsync(PROVINCE_TOPIC, { qos: 0 });
    await waitFor(() => seen.length === 1, 10_000, 'the retained order');
    const speaker = await env.speakerClient('xa2-ap1-loa');
    await speaker.publishAsync(
      'tt/v1/xa2-ap1-loa/schedule-status',
      JSON.stringify({
        v: 1,
        active: 0,
        status: 'refused',
        reason: 'stale',
        issuer: 'province',
        area: 'emergency',
        received: held.version - 1,
        at: new Date().toISOString(),
      }),
      { qos: 1, retain: true },
    );
    await waitFor(() => seen.length === 2, 10_000, 'the re-assertion');
    expect(seen[1].equals(held.payload)).toBe(true);
    expect(env.console.feedback.stats.areaRefusals).toMatchObject({ 'emergency:stale': 1 });
  });
});

describe("the emergency's audio, as speakers download it (content-addressed, from memory)", () => {
  it('answers by hash with an ETag, 304 to a speaker that has it, one Range resumed, 416 beyond the end', async () => {
    const speech = await env.api(tinhLeader, 'POST', '/api/speech', { text: 'Triều cường dâng cao, bà con chú ý.' });
    expect(speech.status).toBe(200);
    const url = `${env.console.url}/audio/${speech.body.id}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(speech.body.id);
    expect(whole.headers.get('etag')).toBe(`"${speech.body.id}"`);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(url, { headers: { 'if-none-match': `"${speech.body.id}"` } })).status).toBe(304);
    const part = await fetch(url, { headers: { range: 'bytes=100-', 'if-range': `"${speech.body.id}"` } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100))).toBe(true);
    // a Range for other bytes (If-Range another tag) gets the whole file; one past the end is unsatisfiable
    const other = await fetch(url, { headers: { range: 'bytes=100-', 'if-range': '"autre"' } });
    expect(other.status).toBe(200);
    expect(Buffer.from(await other.arrayBuffer()).length).toBe(bytes.length);
    const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    // an unknown hash, and not a hash at all
    expect((await fetch(`${env.console.url}/audio/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${env.console.url}/audio/..%2Fconsole.db`)).status).toBe(404);
  });
});
