import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxStore, startCollector, storedSchemas, type Collector } from '../../collector/index.ts';
import type { CollectorExtension } from '../../collector/extension.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { FIXTURE_DEVICE } from '../../devices/fixtures/messages.ts';
import { topicFor } from '../../devices/topics.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { publisher, rating, testConfig, testRegistry, waitFor } from './helpers.ts';
import { startPlainBroker, type TestBroker } from '../support/test-broker.ts';

/** The core's storage port, given in its deps: the collector prepares, writes and reads through it alone. */
describe('the storage port', () => {
  const db = testDatabase('port');
  const spoolDir = tempDir('tt-spool-port-');
  let broker: TestBroker;
  let collector: Collector;
  let storage: InfluxStore;
  let policiesAtStart: string[] = [];

  beforeAll(async () => {
    broker = await startPlainBroker();
    const { registry } = await testRegistry();
    // reads the store from its context when it starts: the database must be prepared by then
    const reader: CollectorExtension = {
      name: 'reader',
      channels: ['state'],
      start: async (ctx) =>
        void (policiesAtStart = (await ctx.query<{ name: string }>('SHOW RETENTION POLICIES')).map((r) => r.name)),
      handle: () => ({ points: [] }),
    };
    const extensions = [new RatingExtension(), reader];
    storage = new InfluxStore({
      url: db.url,
      database: db.database,
      rawRetention: '30d',
      schemas: storedSchemas(extensions),
    });
    const config = testConfig({ brokerUrl: broker.url, influxUrl: 'http://127.0.0.1:9', database: 'unused', spoolDir });
    collector = await startCollector({ config, registry, log: silentLogger, clock: systemClock, extensions, storage });
    await collector.subscribed;
  });

  afterAll(async () => {
    await collector?.close();
    await broker?.stop();
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  it('uses the store it is given, prepared before the extensions start', () => {
    expect(collector.storage).toBe(storage);
    expect(policiesAtStart).toContain('raw');
  });

  it('stores a rating through it, typed by the schemas it was made with', async () => {
    const pub = await publisher(broker.url);
    const r = rating();
    try {
      await pub.publishAsync(topicFor(FIXTURE_DEVICE, 'rating'), JSON.stringify(r), { qos: 1 });
      const rows = await waitFor(async () => {
        const found = await storage.query<{ id: string; value: number }>(
          `SELECT "id", "value" FROM "rating" WHERE "id" = '${r.id}'`,
        );
        return found.length ? found : undefined;
      });
      expect(rows.map((x) => [x.id, x.value])).toEqual([[r.id, 3]]);
      const types = await storage.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM "rating"');
      expect(types.find((t) => t.fieldKey === 'value')?.fieldType).toBe('integer');
      expect(collector.stats()).toMatchObject({ writeFailures: 0, spooled: 0 });
    } finally {
      await pub.endAsync();
    }
  });
});
