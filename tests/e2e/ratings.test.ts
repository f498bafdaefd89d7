import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceProcess } from '../../infra/child.ts';
import { startVirtualBox, type VirtualBox } from '../../simulator/virtual-box.ts';
import { LEVEL_KEYS } from '../../devices/levels.ts';
import { tempDir } from '../harness/temp.ts';
import { Stack, waitFor } from './stack.ts';

/**
 * A rating pressed is a rating stored, end to end: real broker and collector processes, a real influxd, rating boxes on the real
 * bridge code with fake pins. Processes are killed with SIGKILL; nothing may be lost or doubled.
 */
const BOX = 'xa1-quay1-box';
const dir = tempDir('tt-e2e-');
const stack = new Stack(dir);

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop(), 60_000);

function expectExactlyOnce(journaled: Iterable<string>, stored: Map<string, number>) {
  const missing = [...journaled].filter((id) => !stored.has(id));
  const doubled = [...stored].filter(([, n]) => n > 1);
  expect(missing).toEqual([]);
  expect(doubled).toEqual([]);
}

describe('ratings end to end', () => {
  it('a press becomes exactly one point with the registry tags and its level', async () => {
    const box = await startVirtualBox({
      deviceId: 'xa1-quay2-box',
      brokerUrl: stack.brokerUrl,
      password: stack.secrets['xa1-quay2-box'],
      dataDir: join(dir, 'box-a'),
    });
    try {
      await box.press('binh-thuong');
      const rows = await waitFor(
        async () => {
          const r = await stack
            .influx()
            .query<Record<string, unknown>>(`SELECT * FROM "rating" WHERE "device" = 'xa1-quay2-box'`);
          return r.length ? r : undefined;
        },
        60_000,
        'the rating point',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        province: '99',
        commune: '90001',
        counter: 'xa1-quay2',
        device: 'xa1-quay2-box',
        kind: 'rating-box',
        level: 'binh-thuong',
        value: 2,
        time_quality: 'synced',
      });
      await waitFor(() => box.bridge.outbox.stats().depth === 0, 30_000, 'the collector ack to empty the outbox');
    } finally {
      await box.stop();
    }
  });

  it('kill -9 of the bridge mid-stream: every journaled press is stored once after restart', async () => {
    const args = (count: number) => [
      'tests/e2e/fixtures/pressing-box.ts',
      BOX,
      stack.brokerUrl,
      stack.secrets[BOX],
      join(dir, 'box-k'),
      String(count),
    ];
    const first = new ServiceProcess('box', args(200), /^ready/);
    await first.start();
    const journaled = () => first.output.filter((l) => l.startsWith('journaled ')).map((l) => l.slice(10));
    await waitFor(() => journaled().length >= 30, 60_000, '30 journaled presses');
    await first.kill();
    const before = new Set(journaled());
    expect(before.size).toBeGreaterThanOrEqual(30);
    const second = new ServiceProcess('box', args(0), /^ready/);
    await second.start();
    try {
      const stored = await stack.waitStored(before, 90_000, 'every journaled rating in InfluxDB');
      expectExactlyOnce(before, stored);
    } finally {
      await second.stop();
    }
  });

  it('broker restart, collector crash and an InfluxDB outage: nothing lost, nothing doubled', async () => {
    const box: VirtualBox = await startVirtualBox({
      deviceId: 'xa1-quay3-box',
      brokerUrl: stack.brokerUrl,
      password: stack.secrets['xa1-quay3-box'],
      dataDir: join(dir, 'box-r'),
      lockoutMs: 0,
      debounceMs: 5,
      config: { outbox: { resendAfterMs: 2_000 } } as never,
    });
    const journaled = new Set<string>();
    box.bridge.outbox.on('ready', (e) => e.channel === 'rating' && journaled.add(e.id));
    let i = 0;
    const pressSome = async (n: number) => {
      for (let k = 0; k < n; k++) await box.press(LEVEL_KEYS[i++ % 4]);
    };
    try {
      await pressSome(10);
      await stack.broker.kill(); // broker crash: in-memory sessions are gone
      await pressSome(10); // pressed while the broker is down
      await stack.startBroker();
      await pressSome(10);
      await stack.collector.kill(); // collector crash mid-stream
      await pressSome(10);
      await stack.startCollector();
      await stack.influxd.stop('SIGKILL'); // InfluxDB outage: the collector spools
      await pressSome(10);
      await waitFor(() => box.bridge.outbox.stats().depth === 0, 60_000, 'acks while InfluxDB is down (spooled)');
      await stack.influxd.start();
      await pressSome(10);
      const stored = await stack.waitStored(journaled, 120_000, 'every rating in InfluxDB');
      expect(journaled.size).toBe(60);
      expectExactlyOnce(journaled, stored);
    } finally {
      await box.stop();
    }
  });
});
