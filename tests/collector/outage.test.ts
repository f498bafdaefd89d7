import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DEVICE } from '../../devices/fixtures/messages.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { tempDir } from '../harness/temp.ts';
import { DeviceSim } from './device-sim.ts';
import { idCounts, influxFor, testConfig, testRegistry, waitFor, startRatingCollector } from './helpers.ts';
import { startPlainBroker, type TestBroker } from '../support/test-broker.ts';

/** Its own influxd, so stopping it does not disturb the other test files. */
describe('InfluxDB outage and collector crash', () => {
  let influxd: LocalInfluxd;
  let broker: TestBroker;
  // made at collection time so the harness's afterAll removes them
  const influxDir = tempDir('tt-influxd-outage-');
  const spoolDir = tempDir('tt-spool-');
  const dir = tempDir('tt-crash-');
  const bootSpool = tempDir('tt-spool-boot-');

  beforeAll(async () => {
    influxd = new LocalInfluxd({ dir: influxDir, log: true });
    await influxd.start();
    broker = await startPlainBroker();
  });

  afterAll(async () => {
    await broker?.stop();
    await influxd?.stop();
  });

  it('spools and acknowledges while InfluxDB is down, then writes every point once', async () => {
    const database = 'outage';
    const { registry } = await testRegistry();
    const config = testConfig({ brokerUrl: broker.url, influxUrl: influxd.url, database, spoolDir });
    const collector = await startRatingCollector(config, registry);
    const device = await DeviceSim.connect(broker.url, FIXTURE_DEVICE);
    const influx = influxFor(influxd.url, database);
    try {
      await collector.subscribed;
      await device.press(1);
      await waitFor(() => device.outbox.size === 0, 20_000, 'first ack');

      await influxd.stop();
      const down = await device.press(50);
      await waitFor(() => device.outbox.size === 0, 30_000, 'acks while InfluxDB is down');
      expect(collector.stats().spooled).toBeGreaterThanOrEqual(50);
      expect(readdirSync(spoolDir).some((f) => f.endsWith('.lp'))).toBe(true);

      await influxd.start();
      await waitFor(async () => (await idCounts(influx)).size === 51, 60_000, 'spool drained');
      await waitFor(() => collector.stats().spoolBytes === 0, 20_000, 'spool emptied');
      // a redelivery after the outage overwrites the spooled point
      await device.client.publishAsync(`tt/v1/${FIXTURE_DEVICE}/rating`, device.outbox.get(down[0]) ?? '{}', {
        qos: 1,
      });
      await device.resend();
      await collector.flush();
      const counts = await idCounts(influx);
      for (const id of device.sent) expect(counts.get(id), id).toBe(1);
      expect(collector.stats().unspooled).toBeGreaterThanOrEqual(50);
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.lp'))).toEqual([]);
    } finally {
      await device.close();
      await collector.close();
    }
  });

  it('loses and doubles nothing when the collector is killed and restarted on the same spool', async () => {
    const database = 'crash';
    const { yaml } = await testRegistry();
    writeFileSync(join(dir, 'registry.yaml'), yaml);
    const cfgPath = join(dir, 'collector.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        broker: { url: broker.url, username: 'collector', password: 'x' },
        influx: { url: influxd.url, database, rawRetention: '30d' },
        registryPath: join(dir, 'registry.yaml'),
        spoolDir: join(dir, 'spool'),
        clientId: 'collector-crash',
      }),
    );
    const log = openSync(join(dir, 'collector.log'), 'a');
    const spawnCollector = () =>
      spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts', '--config', cfgPath], {
        stdio: ['ignore', log, log],
        env: { ...process.env, LOG_LEVEL: 'info' },
      });
    const exited = (p: ChildProcess) =>
      new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
    const influx = influxFor(influxd.url, database);
    const device = await DeviceSim.connect(broker.url, FIXTURE_DEVICE);
    let child = spawnCollector();
    try {
      await device.press(1);
      await device.untilAcked(60_000);

      await influxd.stop();
      await device.press(40);
      await waitFor(() => device.outbox.size === 0, 30_000, 'spooled and acked');
      expect(readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.lp')).length).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await exited(child);

      // published while the collector is dead: the broker queues them for its persistent session
      await device.press(40);
      await influxd.start();
      child = spawnCollector();
      await waitFor(async () => (await idCounts(influx)).size === 81, 60_000, 'spool and queue written');
      // the firmware resends whatever is still unacknowledged (none should be missing from InfluxDB)
      await device.resend();
      await waitFor(() => device.outbox.size === 0, 30_000, 'every message acknowledged');
      const counts = await idCounts(influx);
      expect(counts.size).toBe(81);
      for (const id of device.sent) expect(counts.get(id), id).toBe(1);
      // the restarted collector found the dead one's spool and wrote it
      expect(readFileSync(join(dir, 'collector.log'), 'utf8')).toContain('spool segment written to InfluxDB');
      const [{ n }] = await influx.query<{ n: number }>('SELECT count(value) AS n FROM rating');
      expect(n).toBe(81);

      // a clean stop flushes and exits 0
      child.kill('SIGTERM');
      await exited(child);
      expect(child.exitCode).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
      closeSync(log);
      await device.close();
    }
  });

  it('starts while InfluxDB is down: spools, then creates the database and policy and writes', async () => {
    const database = 'boot';
    const { registry } = await testRegistry();
    await influxd.stop();
    const config = testConfig({ brokerUrl: broker.url, influxUrl: influxd.url, database, spoolDir: bootSpool });
    const collector = await startRatingCollector(config, registry);
    const device = await DeviceSim.connect(broker.url, FIXTURE_DEVICE);
    const influx = influxFor(influxd.url, database);
    try {
      await collector.subscribed;
      await device.press(10);
      await device.untilAcked(60_000);
      expect(collector.stats().spooled).toBe(10);
      await influxd.start();
      await waitFor(async () => (await idCounts(influx)).size === 10, 60_000, 'spool written after setup');
      const rps = await influx.showRetentionPolicies(database);
      expect(rps.find((r) => r.name === 'raw')?.default).toBe(true);
    } finally {
      await device.close();
      await collector.close();
    }
  });
});
