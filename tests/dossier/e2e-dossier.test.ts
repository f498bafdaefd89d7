import { execFileSync } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorExtensions, startCollector, type Collector } from '../../collector/index.ts';
import { encode } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { encodeScan } from '../../firmware-bridge/rating-box/input-events.ts';
import { startVirtualBox, type VirtualBox } from '../../simulator/virtual-box.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { publishAcked, startTestBroker, waitFor } from '../broker/helpers.ts';
import { testConfig } from '../collector/helpers.ts';

const root = tempDir('tt-dossier-e2e-');
const DOSSIER = '000.00.20.H57-251125-0042';

describe('dossier end to end: scanner and one-stop software → box → project broker → collector → InfluxDB', async () => {
  const t = await startTestBroker({
    demo: { communes: 2 },
    mutate: (file) =>
      void ((file.services.find((s) => s.id === 'node-red') as { communes?: string[] }).communes = ['90001']),
  });
  const db = testDatabase('dossier_e2e');
  let collector: Collector;
  const boxes: VirtualBox[] = [];
  const writers: FileHandle[] = [];
  const url = `mqtt://127.0.0.1:${t.broker.port}`;

  async function box(deviceId: string): Promise<{ vb: VirtualBox; scan(code: string): Promise<void> }> {
    const fifo = join(root, `${deviceId}.event`);
    execFileSync('mkfifo', [fifo]);
    const vb = await startVirtualBox({
      deviceId,
      brokerUrl: url,
      password: t.secrets[deviceId]!,
      dataDir: join(root, deviceId),
      lockoutMs: 0,
      service: { scanner: { device: fifo, recordBytes: 24 } },
    });
    boxes.push(vb);
    const w = await open(fifo, 'w');
    writers.push(w);
    await waitFor(() => vb.bridge.link.connected || undefined, 20_000, 'box connected');
    return { vb, scan: async (code) => void (await w.write(encodeScan(code, 24))) };
  }
  const stored = (where: string) =>
    db.influx.query<Record<string, unknown>>(`SELECT * FROM rating WHERE ${where}`, { database: db.database });

  beforeAll(async () => {
    const config = testConfig({
      brokerUrl: url,
      influxUrl: db.url,
      database: db.database,
      spoolDir: join(root, 'spool'),
      clientId: 'collector',
    });
    collector = await startCollector({
      config: { ...config, broker: { ...config.broker, username: 'collector', password: t.secrets.collector! } },
      registry: t.registry,
      log: silentLogger,
      clock: systemClock,
      extensions: collectorExtensions(),
    });
    await collector.subscribed;
  });
  afterAll(async () => {
    for (const b of boxes) await b.stop();
    for (const w of writers) await w.close();
    await collector?.close();
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  it('binds by the one-stop software, refuses the second rating on the box, and on the collector for a replacement box', async () => {
    const a = await box('xa1-quay1-box');
    const nodeRed = await t.connect('node-red');
    // the box subscribes to its dossier topic once connected: send until it has the binding
    await waitFor(
      async () => {
        await publishAcked(
          nodeRed,
          topicFor('xa1-quay1-box', 'dossier'),
          encode('dossier', { v: 1, dossier: DOSSIER, procedure: '1.001612', at: new Date().toISOString() }),
        );
        return a.vb.ratingBox!.service!.bound === DOSSIER || undefined;
      },
      20_000,
      'binding',
    );
    await a.scan('CB-CB07'); // the officer's badge at shift start
    await waitFor(() => a.vb.ratingBox!.service!.officer === 'CB07' || undefined);
    await a.vb.press('khong-hai-long');
    const rows = await waitFor(
      async () => ((await stored(`"dossier" = '${DOSSIER}'`)).length ? stored(`"dossier" = '${DOSSIER}'`) : undefined),
      30_000,
      'stored',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      device: 'xa1-quay1-box',
      procedure: '1.001612',
      officer: 'CB07',
      level: 'khong-hai-long',
    });

    // the citizen scans the receipt again at the same box: refused there, nothing sent
    await a.scan(DOSSIER);
    await waitFor(() => a.vb.ratingBox!.service!.bound === DOSSIER || undefined);
    await a.vb.press('rat-hai-long');
    expect(a.vb.ratingBox!.counters.rejected['dossier-used']).toBe(1);

    // a replacement box at the next counter knows nothing of it: the collector refuses, counts, acknowledges
    const b = await box('xa1-quay2-box');
    await b.scan(DOSSIER);
    await waitFor(() => b.vb.ratingBox!.service!.bound === DOSSIER || undefined);
    await b.vb.press('rat-hai-long');
    await waitFor(
      () => (collector.stats().rejected['rating-dossier-duplicate'] ?? 0) >= 1 || undefined,
      30_000,
      'collector refusal',
    );
    await waitFor(() => b.vb.bridge.outbox.depth() === 0 || undefined, 30_000, 'acknowledged');
    expect(await stored(`"dossier" = '${DOSSIER}'`)).toHaveLength(1);

    // the integration account of commune 90001 cannot bind a box of 90002
    await publishAcked(
      nodeRed,
      topicFor('xa2-quay1-box', 'dossier'),
      encode('dossier', { v: 1, dossier: 'HS-X', at: new Date().toISOString() }),
    );
    expect(t.broker.stats().refusals['publish-foreign-commune']).toBe(1);
  });
});
