import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, startCollector, type Collector } from '../../collector/index.ts';
import { presenceExtension, type PresenceService } from '../../collector/presence/index.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { AlertWatcher, SimDevice, waitFor } from './harness.ts';
import { TestBroker } from '../support/test-broker.ts';

/** The presence extensions inside the real collector core (startCollector): schemas, batching, publish path. */
const db = testDatabase('pcore');
const broker = new TestBroker();
const BOX = 'xa1-quay1-box';
let collector: Collector;
let presence: PresenceService;
const watcher = new AlertWatcher();
const alerts = watcher.alerts;
const devices: SimDevice[] = [];
const q = <T>(text: string) => db.influx.query<T>(text, { database: db.database }).then((r) => [...r]);

beforeAll(async () => {
  await broker.start();
  const registry = parseRegistry(
    (await demoRegistry({ hamletsPerCommune: 1, countersPerCommune: 1, cost: { N: 1024, r: 8, p: 1 } })).yaml,
  );
  const config = parseConfig({
    broker: { url: broker.url, username: 'collector', password: 'x' },
    influx: { url: db.url, database: db.database, rawRetention: '30d' },
    registryPath: '/unused',
    spoolDir: tempDir('tt-pspool-'),
    clientId: `collector-${Math.random().toString(16).slice(2, 10)}`,
  });
  presence = presenceExtension({ offlineGraceS: 0, offlineAlertAfterS: 0 });
  collector = await startCollector({
    config,
    registry,
    log: silentLogger,
    clock: systemClock,
    extensions: [new RatingExtension(), presence],
  });
  await collector.subscribed;
  await watcher.connect(broker.url);
});

afterAll(async () => {
  for (const d of devices) await d.close();
  await collector?.close();
  await watcher.close();
  await broker.stop();
  await db.influx.dropDatabase(db.database);
});

describe('presence in the real collector core', () => {
  it('stores typed presence, device_state and camera_status points through the core', async () => {
    await waitFor(
      async () => (await q(`SELECT * FROM "presence" WHERE "device" = '${BOX}'`)).length === 1,
      20_000,
      'seed',
    );
    const box = new SimDevice(BOX, broker.url);
    devices.push(box);
    await box.connect();
    await box.heartbeat({ presses: { accepted: 3, rejected: { lockout: 1, 'outbox-full': 0 } } });
    await box.publish('camera', {
      v: 1,
      camera: 'xa1-cam1',
      at: new Date().toISOString(),
      up: false,
      error: 'connect-refused',
    });
    await waitFor(async () => (await q(`SELECT * FROM "camera_status"`)).length === 1, 20_000, 'camera stored');
    await waitFor(
      async () => (await q(`SELECT * FROM "presence" WHERE "device" = '${BOX}'`)).length === 2,
      20_000,
      'online stored',
    );
    const types = await q<{ fieldKey: string; fieldType: string }>(`SHOW FIELD KEYS FROM "presence"`);
    expect(Object.fromEntries(types.map((t) => [t.fieldKey, t.fieldType]))).toEqual({
      online: 'integer',
      source: 'string',
    });
    const [state] = await q<Record<string, unknown>>(`SELECT * FROM "device_state"`);
    expect([state.presses_accepted, state.rejected_lockout, state.counter]).toEqual([3, 1, 'xa1-quay1']);
    expect(collector.stats().rejected).toEqual({});
  });

  it('an offline verdict raises an alert stored and published through the core', async () => {
    devices[0].cut();
    await waitFor(() => presence.tracker.get(BOX)?.pendingOfflineAt != null, 20_000, 'will');
    await presence.sweep();
    await waitFor(() => alerts.some((a) => a.kind === 'offline' && a.state === 'raised'), 20_000, 'alert published');
    await collector.flush();
    const rows = await q<{ open: number; alert: string }>(`SELECT * FROM "alert" WHERE "device" = '${BOX}'`);
    expect(rows.map((r) => [r.alert, r.open])).toEqual([['offline', 1]]);
  });
});
