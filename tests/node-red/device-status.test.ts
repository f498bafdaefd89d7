import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { SharedConnection } from '../../node-red/src/connection.ts';
import { tempDir } from '../harness/temp.ts';
import { loadFlow, useNodeRedServer } from './red-helper.ts';
import { publishAcked, startWorld, waitFor, type World } from './world.ts';

const BOX = 'xa1-quay1-box';
const SPEAKER = 'xa1-ap1-loa';

let world: World;
beforeAll(async () => {
  world = await startWorld(tempDir('tt-nr-status-'));
});
afterAll(() => world.stop());
useNodeRedServer();

const flow = () => [
  { id: 'cfg', type: 'thanthien-config', broker: world.url, registry: world.registryPath },
  {
    id: 'st',
    type: 'thanthien-device-status',
    config: 'cfg',
    commune: '90001',
    availability: true,
    alerts: true,
    wires: [['ok'], ['bad']],
  },
  { id: 'ok', type: 'helper' },
  { id: 'bad', type: 'helper' },
];
const creds = (password = world.secrets['node-red']) => ({ cfg: { username: 'node-red', password } });

describe('device status', () => {
  it('reports availability changes (including the last will) and alerts, with tags', async () => {
    const { received, last } = await loadFlow(flow(), creds(), ['ok', 'bad'], ['st']);
    await waitFor(() => last('st')?.fill === 'green', 20_000, 'connected status');
    const offline = JSON.stringify({ state: 'offline' });
    const speaker = await world.connect(SPEAKER, {
      will: { topic: topicFor(SPEAKER, 'availability'), payload: Buffer.from(offline), qos: 1, retain: true },
    });
    await publishAcked(speaker, topicFor(SPEAKER, 'availability'), JSON.stringify({ state: 'online' }), true);
    await publishAcked(speaker, topicFor(SPEAKER, 'availability'), JSON.stringify({ state: 'online' }), true); // not a change
    await waitFor(() => received.ok.length >= 1, 20_000, 'online');
    speaker.stream.destroy(); // a power cut: the broker publishes the will
    await waitFor(() => received.ok.length >= 2, 20_000, 'offline by will');
    expect(received.ok.map((m) => [m.payload.event, m.payload.device, m.payload.state, m.payload.previous])).toEqual([
      ['availability', SPEAKER, 'online', null],
      ['availability', SPEAKER, 'offline', 'online'],
    ]);
    expect(received.ok[0].tags).toMatchObject({ commune: '90001', kind: 'speaker', hamlet: 'xa1-ap1' });

    const collector = await world.connect('collector');
    const alert = {
      v: 1,
      id: randomUUID(),
      kind: 'silent-box',
      state: 'raised',
      at: new Date().toISOString(),
      message: 'Hộp đánh giá im lặng cả buổi sáng',
    };
    await publishAcked(collector, topicFor(BOX, 'alert'), JSON.stringify(alert));
    await publishAcked(collector, topicFor(BOX, 'alert'), JSON.stringify({ ...alert, kind: 'tornado' }));
    await waitFor(() => received.ok.length >= 3 && received.bad.length >= 1, 20_000, 'alert and refusal');
    expect(received.ok[2].payload).toEqual({ event: 'alert', device: BOX, ...alert });
    expect(received.ok[2].tags).toMatchObject({ counter: 'xa1-quay1' });
    expect(received.bad[0].payload).toMatchObject({ reason: 'payload-invalid', device: BOX });
    expect(received.bad[0].payload.detail).toContain('kind');
  });

  it('shows connected / disconnected as the broker stops and comes back, and subscribes again', async () => {
    const { received, last } = await loadFlow(flow(), creds(), ['ok', 'bad'], ['st']);
    await waitFor(() => last('st')?.fill === 'green', 20_000, 'connected status');
    await world.stop();
    const lost = await waitFor(
      () => (last('st')?.fill === 'red' ? last('st') : undefined),
      20_000,
      'disconnected status',
    );
    expect(lost.text).toMatch(/^mất kết nối/);
    await world.start();
    const back = await waitFor(
      () => (last('st')?.fill === 'green' ? last('st') : undefined),
      30_000,
      'reconnected status',
    );
    expect(back.text).toMatch(/^đã kết nối/);
    const speaker = await world.connect('xa1-ap2-loa');
    await publishAcked(speaker, topicFor('xa1-ap2-loa', 'availability'), JSON.stringify({ state: 'online' }), true);
    const fresh = await waitFor(
      () => received.ok.find((m) => m.payload.device === 'xa1-ap2-loa'),
      20_000,
      'a message after the reconnect',
    );
    expect(fresh.payload).toMatchObject({ state: 'online', retained: false });
  });

  it('shows a refused connection for a wrong password', async () => {
    const { last } = await loadFlow(flow(), creds('wrong-password'), ['ok', 'bad'], ['st']);
    const refused = await waitFor(
      () => (last('st')?.fill === 'red' && last('st')?.shape === 'dot' ? last('st') : undefined),
      20_000,
      'refused status',
    );
    expect(refused.text).toContain('từ chối');
  });

  it('gives a node that joins an active shared subscription the current retained states', async () => {
    const speaker = await world.connect('xa1-ap4-loa');
    await publishAcked(speaker, topicFor('xa1-ap4-loa', 'availability'), JSON.stringify({ state: 'online' }), true);
    const connection = new SharedConnection({
      url: world.url,
      username: 'node-red',
      password: world.secrets['node-red'],
    });
    try {
      const first: string[] = [];
      const later: string[] = [];
      connection.subscribe(channelFilter('availability'), (topic) => first.push(topic));
      connection.start();
      await waitFor(
        () => first.includes(topicFor('xa1-ap4-loa', 'availability')),
        20_000,
        'retained state for the first node',
      );
      connection.subscribe(channelFilter('availability'), (topic) => later.push(topic));
      await waitFor(
        () => later.includes(topicFor('xa1-ap4-loa', 'availability')),
        20_000,
        'retained state for the later node',
      );
    } finally {
      await connection.stop();
    }
    expect(connection.state).toBe('closed');
  });
});
