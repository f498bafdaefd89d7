import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/index.ts';
import { RatingExtension } from '../../collector/rating.ts';
import { FIXTURE_DEVICE } from '../../devices/fixtures/messages.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { DeviceSim } from '../collector/device-sim.ts';
import { idCounts, influxFor, testConfig, testRegistry } from '../collector/helpers.ts';
import { startPlainBroker } from '../support/test-broker.ts';
import { lockDataFolder, startEmbeddedInfluxd, type InfluxdEvent } from '../../infra/embedded-influxd.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/embedded-influxd-main.ts');

/** influxd processes running on this data folder (their config file is inside it) */
function influxdsOn(dir: string): number[] {
  const conf = resolve(dir, 'influxdb', 'influxdb.conf');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(conf);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function query(url: string, q: string): Promise<number> {
  const res = await fetch(`${url}/query?db=probe&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
  return body.results[0].series?.[0].values[0][1] ?? 0;
}

async function writePoints(url: string, from: number, n: number): Promise<void> {
  await fetch(`${url}/query?q=${encodeURIComponent('CREATE DATABASE probe')}`, { method: 'POST' });
  const lines = Array.from(
    { length: n },
    (_, i) => `rating,box=b value=${from + i}i ${1_700_000_000_000_000_000 + (from + i) * 1_000_000}`,
  );
  const res = await fetch(`${url}/write?db=probe`, { method: 'POST', body: lines.join('\n') });
  if (res.status !== 204) throw new Error(`write: ${res.status} ${await res.text()}`);
}

const readyUrl = (p: ServiceProcess) => /READY (\S+)/.exec(p.output.find((l) => l.startsWith('READY')) ?? '')![1];

describe('embedded default InfluxDB: data folder lock, orphan, supervision', () => {
  const started: ServiceProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const p of started) await p.stop();
    for (const dir of dirs) for (const pid of influxdsOn(dir)) process.kill(pid, 'SIGKILL'); // a failed test's orphan
  });
  const fixture = (dir: string) => {
    if (!dirs.includes(dir)) dirs.push(dir);
    const p = new ServiceProcess('embedded-influxd', [FIXTURE, dir], /^READY /);
    started.push(p);
    return p;
  };

  it('after kill -9 of the embedded default, a new start stops the orphan: one influxd, no point lost', async () => {
    const dir = tempDir('tt-embedded-');
    const first = fixture(dir);
    await first.start();
    await writePoints(readyUrl(first), 0, 1000);
    await first.kill();
    expect(influxdsOn(dir)).toHaveLength(1); // the orphan lives on after its parent's kill -9

    const second = fixture(dir);
    await second.start();
    expect(second.output.some((l) => l.includes('"orphan-stopped"'))).toBe(true);
    expect(influxdsOn(dir)).toHaveLength(1);
    expect(await query(readyUrl(second), 'SELECT count(value) FROM rating')).toBe(1000);

    const third = fixture(dir); // a second start on the same folder while one runs
    await expect(third.start()).rejects.toThrow(/LOCKED DATA_FOLDER_LOCKED/);
    expect(influxdsOn(dir)).toHaveLength(1);

    await second.stop();
    expect(influxdsOn(dir)).toEqual([]);
  }, 120_000);

  it('restarts an influxd killed under a running system, on the same port, and loses nothing written', async () => {
    const dir = tempDir('tt-embedded-');
    dirs.push(dir);
    const lock = lockDataFolder(dir);
    const events: InfluxdEvent[] = [];
    const influxd = await startEmbeddedInfluxd({
      dir: join(dir, 'influxdb'),
      report: (e) => events.push(e),
      supervisor: { initialBackoffMs: 200 },
    });
    try {
      await restartCheck(influxd, events);
    } finally {
      await influxd.stop();
      lock.release();
    }
  }, 120_000);
});

describe('embedded default InfluxDB killed under a running collector', () => {
  it('is restarted and every rating pressed before, during and after is stored once', async () => {
    const dir = tempDir('tt-embedded-run-');
    const spoolDir = tempDir('tt-embedded-spool-');
    const events: InfluxdEvent[] = [];
    const influxd = await startEmbeddedInfluxd({
      dir: join(dir, 'influxdb'),
      report: (e) => events.push(e),
      supervisor: { initialBackoffMs: 2000 },
    });
    const broker = await startPlainBroker();
    const { registry } = await testRegistry();
    const database = 'supervised';
    const collector = await startCollector({
      config: testConfig({ brokerUrl: broker.url, influxUrl: influxd.url, database, spoolDir }),
      registry,
      log: silentLogger,
      clock: systemClock,
      extensions: [new RatingExtension()],
    });
    const device = await DeviceSim.connect(broker.url, FIXTURE_DEVICE);
    try {
      await collector.subscribed;
      await device.press(20);
      await waitFor(() => device.outbox.size === 0, 20_000, 'acks before the kill');
      process.kill(influxd.influxd.pid!, 'SIGKILL');
      await waitFor(() => events.some((e) => e.kind === 'exited'), 20_000, 'influxd exit noticed');
      await device.press(30); // while influxd is down: the collector spools and acknowledges
      await waitFor(() => collector.stats().spooled >= 1, 20_000, 'the outage seen by the collector');
      await waitFor(() => influxd.restarts === 1, 60_000, 'influxd restarted');
      await device.press(20);
      await waitFor(() => device.outbox.size === 0, 30_000, 'every rating acknowledged');
      const influx = influxFor(influxd.url, database);
      await waitFor(async () => (await idCounts(influx)).size === 70, 60_000, 'all 70 ratings stored');
      const counts = await idCounts(influx);
      for (const id of device.sent) expect(counts.get(id), id).toBe(1);
      expect(influxdsOn(dir)).toHaveLength(1);
    } finally {
      await device.close();
      await collector.close();
      await broker.stop();
      await influxd.stop();
    }
  }, 180_000);
});

async function restartCheck(
  influxd: Awaited<ReturnType<typeof startEmbeddedInfluxd>>,
  events: InfluxdEvent[],
): Promise<void> {
  const dir = resolve(influxd.influxd.options.dir, '..');
  await writePoints(influxd.url, 0, 500);
  const firstPid = influxd.influxd.pid!;
  process.kill(firstPid, 'SIGKILL');
  await waitFor(() => events.some((e) => e.kind === 'exited'), 20_000, 'influxd exit noticed');
  // a writer that retries, as the collector's spool does, while influxd is down
  await waitFor(() => writePoints(influxd.url, 500, 500).then(() => true), 60_000, 'write after the restart');
  await waitFor(() => influxd.restarts === 1, 20_000, 'restart reported');
  expect(influxd.influxd.pid).not.toBe(firstPid);
  expect(events.map((e) => e.kind)).toEqual(['exited', 'restarted']);
  expect(await query(influxd.url, 'SELECT count(value) FROM rating')).toBe(1000);
  expect(influxdsOn(dir)).toHaveLength(1);
}
