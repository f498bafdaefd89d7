import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validRating } from '../../devices/fixtures/messages.ts';
import { topicFor } from '../../devices/topics.ts';
import { tempDir } from '../harness/temp.ts';
import { example, EXAMPLES_DIR, helper, loadExample, useNodeRedServer } from './red-helper.ts';
import { publishAcked, startWorld, waitFor, type World } from './world.ts';

/** The shipped example flows, run as shipped (debug nodes swapped for recording helpers) against the real broker. */
let world: World;
beforeAll(async () => {
  world = await startWorld(tempDir('tt-nr-examples-'));
});
afterAll(() => world.stop());
useNodeRedServer();

/** Point the example at the test broker and registry, choose commune 90001; wait until subscribed. */
async function run(name: string) {
  const cfg = example(name).find((n) => n.type === 'thanthien-config')!;
  const got = await loadExample(
    name,
    (n) =>
      n.type === 'thanthien-config'
        ? { ...n, broker: world.url, registry: world.registryPath }
        : n.type.startsWith('thanthien-')
          ? { ...n, commune: '90001' }
          : n,
    { [cfg.id]: { username: 'node-red', password: world.secrets['node-red'] } },
  );
  const config = helper.getNode(cfg.id) as unknown as { connection: { state: string } };
  await waitFor(() => config.connection.state === 'connected', 20_000, 'connected and subscribed');
  return got;
}

describe('example flows', () => {
  it('use only node types that exist (ours or Node-RED core)', () => {
    const known = new Set([
      'thanthien-config',
      'thanthien-rating-in',
      'thanthien-device-status',
      'thanthien-announce',
      'function',
      'template',
      'comment',
      'inject',
      'debug',
    ]);
    const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) for (const n of example(f)) expect(known, `${f}: ${n.type}`).toContain(n.type);
  });

  it('notifies the commune leader once when a counter falls below 70 % satisfied in the last hour, and on recovery', async () => {
    const got = await run('01-bao-chi-so-hai-long-thap.json');
    const box = await world.connect('xa1-quay1-box');
    const press = (level: string) =>
      publishAcked(
        box,
        topicFor('xa1-quay1-box', 'rating'),
        JSON.stringify({ ...validRating, id: randomUUID(), at: new Date().toISOString(), level }),
      );
    for (const level of ['rat-hai-long', 'khong-hai-long', 'khong-hai-long', 'binh-thuong', 'hai-long'])
      await press(level); // 2/5 = 40 %
    await waitFor(() => got['tt-ex1-leader'].length >= 1, 20_000, 'the low-satisfaction notice');
    expect(got['tt-ex1-leader'][0].payload).toBe(
      'Chỉ số hài lòng thấp: quầy xa1-quay1 (xã 90001) đạt 40% hài lòng trên 5 lượt đánh giá trong 1 giờ qua (ngưỡng 70%).',
    );
    await press('khong-hai-long'); // still low: no second notice
    for (let i = 0; i < 10; i++) await press('rat-hai-long'); // 12/16 = 75 %
    await waitFor(() => got['tt-ex1-leader'].length >= 2, 20_000, 'the recovery notice');
    expect(got['tt-ex1-leader'][1].payload).toMatch(/^Đã hồi phục: quầy xa1-quay1 .* đạt 7\d% hài lòng/);
    expect(got['tt-ex1-leader']).toHaveLength(2);
    const other = await world.connect('xa2-quay1-box'); // another commune: not this flow's business, even when bad
    await publishAcked(other, topicFor('xa2-quay1-box', 'rating'), '{"v":1');
    await publishAcked(box, topicFor('xa1-quay1-box', 'rating'), '{"v":1');
    await waitFor(() => got['tt-ex1-rejected'].length >= 1, 20_000, 'the refusal');
    expect(got['tt-ex1-rejected'].map((m) => [m.payload.device, m.payload.reason])).toEqual([
      ['xa1-quay1-box', 'payload-not-json'],
    ]);
  });

  it('tells the technician when a loudspeaker loses its connection', async () => {
    const got = await run('02-bao-thiet-bi-mat-ket-noi.json');
    const will = {
      topic: topicFor('xa1-ap3-loa', 'availability'),
      payload: Buffer.from('{"state":"offline"}'),
      qos: 1 as const,
      retain: true,
    };
    const speaker = await world.connect('xa1-ap3-loa', { will });
    await publishAcked(speaker, will.topic, '{"state":"online"}', true);
    speaker.stream.destroy();
    await waitFor(() => got['tt-ex2-notify'].length >= 1, 20_000, 'offline notice');
    expect(got['tt-ex2-notify'][0].payload).toBe('Thiết bị xa1-ap3-loa (xa1-ap3) vừa mất kết nối.');
  });
});
