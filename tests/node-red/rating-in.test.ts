import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validRating } from '../../devices/fixtures/messages.ts';
import { topicFor } from '../../devices/topics.ts';
import { tempDir } from '../harness/temp.ts';
import { helper, loadFlow, useNodeRedServer } from './red-helper.ts';
import { publishAcked, startWorld, waitFor, type World } from './world.ts';

const BOX1 = 'xa1-quay1-box'; // commune 90001
const BOX2 = 'xa2-quay1-box'; // commune 90002

let world: World;
beforeAll(async () => {
  world = await startWorld(tempDir('tt-nr-rating-'));
});
afterAll(() => world.stop());
useNodeRedServer();

function flow(opts: { registry?: string; commune?: string } = {}) {
  return [
    { id: 'cfg', type: 'thanthien-config', broker: world.url, registry: opts.registry ?? world.registryPath },
    { id: 'rin', type: 'thanthien-rating-in', config: 'cfg', commune: opts.commune ?? '', wires: [['ok'], ['bad']] },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}
const creds = () => ({ cfg: { username: 'node-red', password: world.secrets['node-red'] } });
const rating = (over: Record<string, unknown> = {}) => JSON.stringify({ ...validRating, id: randomUUID(), ...over });

describe('rating in', () => {
  it('passes a valid rating of the chosen commune with its registry tags, once', async () => {
    const { received, last } = await loadFlow(flow({ commune: '90001' }), creds(), ['ok', 'bad'], ['rin']);
    await waitFor(() => last('rin')?.fill === 'green', 20_000, 'connected status');
    const box1 = await world.connect(BOX1);
    const box2 = await world.connect(BOX2);
    const first = rating({ level: 'khong-hai-long' });
    await publishAcked(box2, topicFor(BOX2, 'rating'), rating()); // other commune: filtered out
    await publishAcked(box1, topicFor(BOX1, 'rating'), first);
    await publishAcked(box1, topicFor(BOX1, 'rating'), first); // QoS 1 redelivery: same id
    const second = rating();
    await publishAcked(box1, topicFor(BOX1, 'rating'), second);
    await waitFor(() => received.ok.length >= 2, 20_000, 'two ratings');
    const [a, b] = received.ok;
    expect(a.payload).toMatchObject({
      id: JSON.parse(first).id,
      device: BOX1,
      level: 'khong-hai-long',
      value: 1,
      label: 'Không hài lòng',
    });
    expect(a.tags).toEqual({
      province: '99',
      commune: '90001',
      device: BOX1,
      kind: 'rating-box',
      counter: 'xa1-quay1',
    });
    expect(b.payload.id).toBe(JSON.parse(second).id);
    expect(received.ok.every((m) => m.payload.device === BOX1)).toBe(true);
    await waitFor(() => last('rin')?.text?.includes('1 trùng'), 20_000, 'duplicate counted in status');
    expect(received.ok).toHaveLength(2);
    expect(received.bad).toHaveLength(0);
  });

  it('sends contract violations to the second output with a coded reason', async () => {
    const { received, last } = await loadFlow(flow(), creds(), ['ok', 'bad'], ['rin']);
    await waitFor(() => last('rin')?.fill === 'green', 20_000, 'connected status');
    const box = await world.connect(BOX1);
    await publishAcked(box, topicFor(BOX1, 'rating'), rating({ level: 'tuyet-voi' }));
    await publishAcked(box, topicFor(BOX1, 'rating'), '{"v":1,');
    await publishAcked(box, topicFor(BOX1, 'rating'), rating());
    await waitFor(() => received.bad.length >= 2 && received.ok.length >= 1, 20_000, 'refusals');
    expect(received.bad.map((m) => m.payload.reason)).toEqual(['payload-invalid', 'payload-not-json']);
    expect(received.bad[0].payload.detail).toContain('level');
    expect(received.bad[0].payload.device).toBe(BOX1);
    expect(received.bad[1].payload.raw).toBe('{"v":1,');
    expect(received.ok).toHaveLength(1);
    await waitFor(() => last('rin')?.text?.includes('2 lỗi'), 20_000, 'refusals counted in status');
  });

  it('without a registry passes ratings tagged by device only, and refuses an area filter it cannot apply', async () => {
    const untagged = await loadFlow(flow({ registry: '' }), creds(), ['ok', 'bad'], ['rin']);
    await waitFor(() => untagged.last('rin')?.fill === 'green', 20_000, 'connected status');
    const box = await world.connect(BOX2);
    await publishAcked(box, topicFor(BOX2, 'rating'), rating());
    await waitFor(() => untagged.received.ok.length >= 1, 20_000, 'rating');
    expect(untagged.received.ok[0].tags).toEqual({ device: BOX2 });
  });

  it('refuses by reason registry-missing when an area is chosen without a registry', async () => {
    const { received, last } = await loadFlow(
      flow({ registry: '', commune: '90002' }),
      creds(),
      ['ok', 'bad'],
      ['rin'],
    );
    const config = helper.getNode('cfg') as unknown as { connection: { state: string } };
    await waitFor(() => config.connection.state === 'connected', 20_000, 'connected and subscribed');
    const box = await world.connect(BOX2);
    await publishAcked(box, topicFor(BOX2, 'rating'), rating());
    await waitFor(() => received.bad.length >= 1, 20_000, 'refusal');
    expect(received.bad[0].payload.reason).toBe('registry-missing');
    expect(received.ok).toHaveLength(0);
    // the misconfiguration stays visible in the node status, with the refusals counted
    await waitFor(
      () => last('rin')?.text === 'lọc theo xã 90002 cần sổ đăng ký thiết bị · 1 lỗi',
      20_000,
      'problem status',
    );
    expect(last('rin')).toMatchObject({ fill: 'red', shape: 'dot' });
  });
});
