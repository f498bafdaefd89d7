import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { recorder, waitFor } from './helpers.ts';
import { bridgeRig } from './rig.ts';

const rig = bridgeRig('tt-link-');

/** the fake collector: acknowledges ids on tt/v1/<id>/ack */
async function ack(url: string, deviceId: string, ids: string[]) {
  const r = await recorder(url, []);
  await new Promise<void>((resolve, reject) =>
    r.client.publish(topicFor(deviceId, 'ack'), JSON.stringify({ ids }), { qos: 1 }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  await r.close();
}

describe('link to a real aedes over TCP', () => {
  it('publishes a rating with QoS 1 and removes it only when the collector acks (not on PUBACK)', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay1-box';
    const r = await rig.recorder(b.url, [
      topicFor(dev, 'rating'),
      topicFor(dev, 'availability'),
      topicFor(dev, 'state'),
    ]);
    const vb = await rig.box(b.url, dev);
    await waitFor(() => r.json(topicFor(dev, 'availability')).some((m) => m.state === 'online'), 20_000, 'online');
    await vb.press('rat-hai-long');
    const msg = await waitFor(() => r.messages.find((m) => m.topic === topicFor(dev, 'rating')), 20_000, 'rating');
    expect(msg.qos).toBe(1);
    const decoded = decode(msg.topic, msg.payload);
    expect(decoded.ok && decoded.channel === 'rating' && decoded.payload).toMatchObject({
      level: 'rat-hai-long',
      time: 'synced',
      boot: vb.bridge.boot,
    });
    await waitFor(() => vb.bridge.link.stats().pubacks >= 1, 20_000, 'puback');
    expect(vb.bridge.outbox.depth()).toBe(1);
    const id = JSON.parse(msg.payload.toString()).id as string;
    await ack(b.url, dev, [id]);
    await waitFor(() => vb.bridge.outbox.depth() === 0, 20_000, 'removed after ack');
    // the state message counts the press and validates against the contract
    vb.bridge.heartbeat.send();
    const state = await waitFor(() =>
      r.messages
        .filter((m) => m.topic === topicFor(dev, 'state'))
        .map((m) => decode(m.topic, m.payload))
        .find((d) => d.ok && d.channel === 'state' && d.payload.presses?.accepted === 1),
    );
    expect(state.ok && state.channel === 'state' && state.payload).toMatchObject({
      clockSynced: true,
      outboxDepth: 0,
      presses: { rejected: { lockout: 0 } },
    });
  });

  it('re-sends unacknowledged ratings after a broker restart (in-memory broker state lost)', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay2-box';
    const vb = await rig.box(b.url, dev);
    const r1 = await rig.recorder(b.url, [topicFor(dev, 'rating')]);
    await waitFor(() => vb.bridge.link.connected, 20_000, 'connected');
    await vb.press('hai-long');
    await waitFor(() => r1.messages.length >= 1, 20_000, 'first rating');
    await r1.close();
    await b.stop();
    await vb.press('khong-hai-long'); // while the broker is down: stored in the outbox
    await waitFor(() => vb.bridge.outbox.depth() === 2, 20_000, 'two in the outbox');
    await b.start();
    const r2 = await rig.recorder(b.url, [topicFor(dev, 'rating')]);
    const levels = async () => new Set(r2.json(topicFor(dev, 'rating')).map((m) => m.level));
    await waitFor(async () => (await levels()).size === 2, 30_000, 'both ratings after the restart');
    const ids = [...new Set(r2.json(topicFor(dev, 'rating')).map((m) => m.id as string))];
    expect(ids).toHaveLength(2);
    await ack(b.url, dev, ids);
    await waitFor(() => vb.bridge.outbox.depth() === 0, 20_000, 'both removed');
    expect(vb.bridge.link.stats().connects).toBeGreaterThanOrEqual(2);
  });

  it('re-sends a rating whose ack does not come within resendAfterMs (same id, same time)', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay5-box';
    const r = await rig.recorder(b.url, [topicFor(dev, 'rating')]);
    const vb = await rig.box(b.url, dev, { config: { outbox: { resendAfterMs: 300 } } });
    await waitFor(() => vb.bridge.link.connected, 20_000, 'connected');
    await vb.press('hai-long');
    await waitFor(() => r.messages.length >= 3, 20_000, 'three deliveries');
    const copies = r.json(topicFor(dev, 'rating'));
    expect(new Set(copies.map((m) => JSON.stringify(m))).size).toBe(1); // byte-identical duplicates
    expect(vb.bridge.link.stats()).toMatchObject({ connects: 1 });
    expect(vb.bridge.link.stats().resent).toBeGreaterThanOrEqual(2);
    await ack(b.url, dev, [copies[0].id as string]);
    await waitFor(() => vb.bridge.outbox.depth() === 0, 20_000, 'removed');
  });

  it('counts an invalid downlink ack and keeps the rating', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay3-box';
    const vb = await rig.box(b.url, dev);
    await waitFor(() => vb.bridge.link.connected, 20_000, 'connected');
    await vb.press('binh-thuong');
    await waitFor(() => vb.bridge.link.stats().pubacks >= 1, 20_000, 'puback');
    const p = await rig.recorder(b.url, []);
    p.client.publish(topicFor(dev, 'ack'), '{"ids":"not-a-list"}', { qos: 1 });
    await waitFor(() => vb.bridge.link.stats().invalidDownlink >= 1, 20_000, 'invalid counted');
    expect(vb.bridge.outbox.depth()).toBe(1);
  });

  it('leaves a retained "offline" last will when the bridge process is killed', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay4-box';
    const r = await rig.recorder(b.url, [topicFor(dev, 'availability')]);
    const { proc, exited } = await spawnBridge(b.url, dev);
    await waitFor(() => r.json(topicFor(dev, 'availability')).some((m) => m.state === 'online'), 40_000, 'online');
    proc.kill('SIGKILL');
    await exited;
    await waitFor(() => r.json(topicFor(dev, 'availability')).at(-1)?.state === 'offline', 20_000, 'offline will');
    // retained: a subscriber arriving later sees it too
    const late = await rig.recorder(b.url, [topicFor(dev, 'availability')]);
    const retained = await waitFor(() => late.messages.find((m) => m.retain), 20_000, 'retained availability');
    expect(JSON.parse(retained.payload.toString())).toEqual({ state: 'offline' });
  });

  it('main.ts: publishes its state on connect and stops cleanly on SIGTERM (exit 0, offline)', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay6-box';
    const r = await rig.recorder(b.url, [topicFor(dev, 'availability'), topicFor(dev, 'state')]);
    const { proc, exited } = await spawnBridge(b.url, dev);
    const state = await waitFor(() => r.messages.find((m) => m.topic === topicFor(dev, 'state')), 40_000, 'state');
    const decoded = decode(state.topic, state.payload);
    expect(decoded.ok && decoded.channel === 'state' && decoded.payload).toMatchObject({
      outboxDepth: 0,
      presses: { accepted: 0 },
      clockSynced: true,
    });
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => r.json(topicFor(dev, 'availability')).at(-1)?.state === 'offline', 20_000, 'offline');
  });
});

async function spawnBridge(url: string, dev: string) {
  const dir = rig.path('proc');
  const config = `${rig.path('bridge')}.json`;
  await writeFile(
    config,
    JSON.stringify({
      deviceId: dev,
      broker: { url, password: 'pw' },
      dataDir: dir,
      io: { kind: 'fake' },
      clock: { sources: [] },
      units: { ratingBox: { buttons: { 'hai-long': 2, 'khong-hai-long': 3 }, leds: { ack: 13 }, buzzerPin: 8 } },
    }),
  );
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '../../firmware-bridge/main.ts'), '--config', config],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  rig.later(async () => (proc.kill('SIGKILL'), await exited));
  return { proc, exited };
}
