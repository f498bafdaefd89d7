import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topicFor } from '../../devices/topics.ts';
import { VIRTUAL_PINS } from '../../simulator/virtual-box.ts';
import { startBridge } from '../../firmware-bridge/bridge.ts';
import { FakeTimeSource } from '../../firmware-bridge/clock/sources.ts';
import { TrustedClock } from '../../firmware-bridge/clock/trusted-time.ts';
import { parseConfig } from '../../firmware-bridge/config.ts';
import { BridgeError } from '../../firmware-bridge/errors.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import type { RatingBoxUnit } from '../../firmware-bridge/rating-box/unit.ts';
import type { BridgeContext, BridgeUnit } from '../../firmware-bridge/unit.ts';
import { waitFor } from './helpers.ts';
import { bridgeRig } from './rig.ts';

const rig = bridgeRig('tt-bridge-');

describe('bridge', () => {
  it('acknowledges (LED, buzzer) before the rating reaches the journal on disk', async () => {
    // no broker at all: the box must still acknowledge and store
    const dataDir = rig.path();
    const vb = await rig.box('mqtt://127.0.0.1:1', 'xa1-quay1-box', { dataDir });
    const journal = join(dataDir, 'outbox', 'journal.bin');
    const seen: Record<string, number> = {};
    vb.io.onWrite = (pin, value) => {
      if (value !== 1) return;
      if (pin === VIRTUAL_PINS.led) seen.led ??= statSync(journal).size;
      if (pin === VIRTUAL_PINS.buzzer) seen.buzzer ??= statSync(journal).size;
    };
    const before = statSync(journal).size;
    await vb.press('hai-long');
    await waitFor(() => vb.bridge.outbox.depth() === 1, 20_000, 'stored');
    expect(seen).toEqual({ led: before, buzzer: before });
    expect(statSync(journal).size).toBeGreaterThan(before);
  });

  it('holds a rating pressed before the clock is trusted and publishes it "mapped" once it is', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay2-box';
    const r = await rig.recorder(b.url, [topicFor(dev, 'rating')]);
    const vb = await rig.box(b.url, dev, { synced: false });
    await waitFor(() => vb.bridge.link.connected, 20_000, 'connected');
    await vb.press('khong-hai-long');
    await waitFor(() => vb.bridge.outbox.depth() === 1, 20_000, 'stored');
    expect(vb.bridge.outbox.unresolved()).toHaveLength(1);
    expect(vb.bridge.link.stats().sent).toBe(0); // nothing goes out with an unknown time
    vb.timeSource.value = true;
    const msg = await waitFor(() => r.json(topicFor(dev, 'rating'))[0], 20_000, 'mapped rating');
    expect(msg).toMatchObject({ level: 'khong-hai-long', time: 'mapped', boot: vb.bridge.boot, seq: 0 });
    expect(Date.parse(msg.at as string)).toBeLessThanOrEqual(Date.now());
    expect(vb.bridge.stats().resolved.mapped).toBe(1);
  });

  it('boots before the broker: keeps retrying, then delivers what was pressed meanwhile', async () => {
    const b = await rig.broker({ listening: false });
    const dev = 'xa1-quay7-box';
    const vb = await rig.box(b.url, dev);
    await vb.press('rat-hai-long');
    await waitFor(() => vb.bridge.outbox.depth() === 1, 20_000, 'stored while offline');
    expect(vb.bridge.link.connected).toBe(false);
    await b.start();
    const r = await rig.recorder(b.url, [topicFor(dev, 'rating')]);
    const msg = await waitFor(() => r.json(topicFor(dev, 'rating'))[0], 30_000, 'rating after the broker came up');
    expect(msg).toMatchObject({ level: 'rat-hai-long', time: 'synced' });
  });

  it("stores a unit's broadcast log in the same outbox and publishes it until acked", async () => {
    const b = await rig.broker();
    const dev = 'xa1-ap1-loa';
    const r = await rig.recorder(b.url, [topicFor(dev, 'broadcast-log')]);
    let ctx: BridgeContext | undefined;
    const unit: BridgeUnit = { name: 'test-speaker', start: async (c) => void (ctx = c), stop: async () => undefined };
    const vb = await rig.box(b.url, dev, { units: [() => unit], ratingBox: false });
    expect(vb.ratingBox).toBeUndefined();
    expect(vb.bridge.heartbeat.build().presses).toBeUndefined();
    const log = {
      v: 1 as const,
      id: randomUUID(),
      announcement: 'thong-bao-1',
      priority: 'normal' as const,
      occurrence: '2026-11-25T01:00:00.000Z',
      outcome: 'played' as const,
    };
    await ctx!.outbox.add('broadcast-log', log);
    expect(ctx!.outbox.depth()).toBe(1);
    await expect(ctx!.outbox.add('broadcast-log', { ...log, outcome: 'exploded' } as never)).rejects.toMatchObject({
      code: 'BRIDGE_OUTBOX_INVALID',
    });
    expect(await waitFor(() => r.json(topicFor(dev, 'broadcast-log'))[0], 20_000, 'broadcast log')).toEqual(log);
    const acker = await rig.recorder(b.url, []);
    acker.client.publish(topicFor(dev, 'ack'), JSON.stringify({ ids: [log.id] }), { qos: 1 });
    await waitFor(() => vb.bridge.outbox.depth() === 0, 20_000, 'acked');
  });

  it('keeps running on a null board when the GPIO board cannot be opened (the outbox still drains)', async () => {
    const b = await rig.broker();
    const dev = 'xa1-quay8-box';
    const config = parseConfig({
      deviceId: dev,
      broker: { url: b.url, password: 'pw' },
      dataDir: rig.path(),
      io: { kind: 'firmata', port: '/dev/nonexistent' },
      units: { ratingBox: { buttons: { 'hai-long': 2, 'khong-hai-long': 3 }, leds: { ack: 13 }, buzzerPin: 8 } },
    });
    const time = new TrustedClock({ clock: systemClock, sources: [new FakeTimeSource(true)] });
    const bridge = await startBridge({
      config,
      board: () => Promise.reject(new BridgeError('BRIDGE_IO_TIMEOUT', 'no board')),
      clock: systemClock,
      time,
      password: 'pw',
      log: silentLogger,
    });
    rig.later(() => bridge.stop());
    expect(bridge.stats().boardError).toBe('BRIDGE_IO_TIMEOUT');
    await waitFor(() => bridge.link.connected, 20_000, 'connected');
    (bridge.units.find((u) => u.name === 'rating-box') as RatingBoxUnit).press('hai-long'); // the unit still works (no LEDs to light)
    await waitFor(() => bridge.stats().link.pubacks >= 1, 20_000, 'published');
  });

  it('runs several virtual boxes in one process, each with its own pins and outbox', async () => {
    const b = await rig.broker();
    const r = await rig.recorder(b.url, ['tt/v1/+/rating']);
    const boxes = await Promise.all(
      ['xa1-quay3-box', 'xa1-quay4-box', 'xa1-quay5-box'].map((id) => rig.box(b.url, id)),
    );
    await waitFor(() => boxes.every((x) => x.bridge.link.connected), 20_000, 'all connected');
    await Promise.all(boxes.map((x, i) => x.press(i === 1 ? 'rat-hai-long' : 'binh-thuong')));
    await waitFor(() => r.messages.length >= 3, 20_000, 'three ratings');
    const byTopic = Object.fromEntries(r.messages.map((m) => [m.topic, JSON.parse(m.payload.toString()).level]));
    expect(byTopic).toEqual({
      'tt/v1/xa1-quay3-box/rating': 'binh-thuong',
      'tt/v1/xa1-quay4-box/rating': 'rat-hai-long',
      'tt/v1/xa1-quay5-box/rating': 'binh-thuong',
    });
    expect(boxes.map((x) => x.ratingBox?.counters.accepted)).toEqual([1, 1, 1]);
  });

  it("applies the operator's press-log limits from the bridge config (rotation past maxFileBytes)", async () => {
    const dir = rig.path();
    const vb = await rig.box('mqtt://127.0.0.1:1', 'xa1-quay6-box', {
      dataDir: dir,
      config: { pressLog: { maxFileBytes: 1024 } },
    });
    for (let i = 0; i < 12; i++) await vb.press('hai-long');
    await waitFor(() => vb.bridge.outbox.depth() === 12, 20_000, 'stored');
    await vb.stop();
    // with the default 5 MiB limit twelve lines fit one file; with 1 KiB they roll over to .1, .2 …
    const files = readdirSync(join(dir, 'units', 'rating-box', 'presses')).filter((f) => f.startsWith('presses-'));
    expect(files.length).toBeGreaterThan(1);
  });
});
