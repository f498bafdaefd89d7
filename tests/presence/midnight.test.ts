import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uptime, uptimeInfluxQL } from '../../devices/analytics/uptime.ts';
import type { StatePayload } from '../../devices/contract/index.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { topicFor } from '../../devices/topics.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { freePort } from '../../infra/ports.ts';
import { tempDir } from '../harness/temp.ts';
import { startPresenceCollector, waitFor, type PresenceRig } from './harness.ts';
import { TestBroker } from '../support/test-broker.ts';
import { ShiftedClock } from '../support/shifted-clock.ts';

/**
 * Across a Vietnam midnight, heartbeats fed through the real collector's pipeline (collector.ingest) with the
 * wall clock frozen by the test: checkpoints at midnight, a silence verdict dated before midnight overwriting
 * its checkpoint (unknown is not stretched into the new day), and a collector that starts while InfluxDB is
 * unreachable (an influxd of this file's own, started only after the collector).
 */
const clock = new ShiftedClock('real');
const Z = (hms: string) => Date.parse(`2026-11-24T${hms}Z`); // 16:55Z = 23:55 Vietnam time
const BOX = 'xa1-quay1-box';
const LOA = 'xa1-ap1-loa';
const IDLE = 'xa1-ap2-loa';
const database = 'midnight';
const broker = new TestBroker();
let influxd: LocalInfluxd;
let influxUrl: string;
let influx: InfluxDB;
let registry: Registry;
let rig: PresenceRig;
let beats = 0;
const at = (ms: number) => (clock.frozen = ms);

async function startCollector(): Promise<PresenceRig> {
  await rig?.collector.close();
  rig = await startPresenceCollector({ brokerUrl: broker.url, influxUrl, database, registry, clock });
  return rig;
}

/** One live (or retained) heartbeat, as if it came from MQTT. */
function heartbeat(device: string, uptimeS = ++beats, retained = false): void {
  const payload: StatePayload = {
    v: 1,
    at: null,
    clockSynced: false,
    boot: 'b',
    uptimeS,
    version: '0.1.0',
    outboxDepth: 0,
  };
  rig.collector.ingest(topicFor(device, 'state'), Buffer.from(JSON.stringify(payload)), retained);
}

/** Everything handled so far is in InfluxDB (after the outage the store spools first, then drains). */
async function settle(): Promise<void> {
  await rig.collector.flush();
  await waitFor(() => rig.collector.stats().spoolBytes === 0, 30_000, 'spool drained');
}

const rows = (device: string) =>
  influx
    .query<{ time: Date; online: number; source: string }>(
      `SELECT "online", "source" FROM "presence" WHERE "device" = '${device}'`,
      { database },
    )
    .then((r) => [...r]);
const stateRows = (device: string) =>
  influx
    .query<{ uptime_s: number }>(`SELECT * FROM "device_state" WHERE "device" = '${device}'`, { database })
    .then((r) => [...r]);

beforeAll(async () => {
  registry = parseRegistry(
    (await demoRegistry({ hamletsPerCommune: 2, countersPerCommune: 1, cost: { N: 1024, r: 8, p: 1 } })).yaml,
  );
  await broker.start();
  // made with its ports but not started: InfluxDB is unreachable when the first collector starts
  const httpPort = await freePort();
  influxd = new LocalInfluxd({ dir: tempDir('tt-influxd-midnight-'), httpPort, rpcPort: await freePort() });
  influxUrl = `http://127.0.0.1:${httpPort}`;
  influx = new InfluxDB({ host: '127.0.0.1', port: httpPort, database });
  at(Z('16:55:00'));
});
afterAll(async () => {
  await rig?.collector.close();
  await broker.stop();
  await influxd?.stop();
});

describe('presence across a Vietnam midnight', () => {
  it('starts while InfluxDB is unreachable, rebuilds on a later sweep', async () => {
    await startCollector();
    expect(rig.presence.counters.restoreFailed).toBeGreaterThanOrEqual(1);
    expect(rig.collector.stats()).toMatchObject({ stored: 0, spooled: 0 }); // nothing of IDLE written
    await influxd.start();
    // the InfluxDB client backs off a host that refused it: the rebuild lands on one of the next sweeps
    await waitFor(
      async () => {
        await rig.presence.sweep();
        await settle();
        return (await rows(IDLE)).length > 0;
      },
      30_000,
      'presence rebuilt',
    );
    expect((await rows(IDLE)).map((r) => r.source)).toEqual(['registered']);
  });

  it('writes a checkpoint at midnight; a silence verdict dated before it overwrites it', async () => {
    at(Z('16:55:30'));
    heartbeat(BOX);
    heartbeat(LOA);
    at(Z('16:58:00'));
    heartbeat(BOX);
    heartbeat(LOA); // LOA's last sign of life: 23:58 Vietnam time
    for (const t of ['16:59:00', '17:00:10', '17:01:00', '17:01:50', '17:02:40']) {
      at(Z(t));
      heartbeat(BOX);
      await settle();
      await rig.presence.sweep();
    }
    await settle();
    const loa = (await rows(LOA)).map((r) => [r.time.toISOString(), r.online, r.source]);
    expect(loa).toEqual([
      ['2026-11-24T16:55:00.000Z', 0, 'registered'],
      ['2026-11-24T16:55:30.000Z', 1, 'heartbeat'],
      ['2026-11-24T16:58:00.000Z', 0, 'silence'],
      ['2026-11-24T17:00:00.000Z', 0, 'checkpoint'],
    ]);
    const box = (await rows(BOX)).map((r) => [r.time.toISOString(), r.online, r.source]);
    expect(box.at(-1)).toEqual(['2026-11-24T17:00:00.000Z', 1, 'checkpoint']);
    expect((await rows(IDLE)).map((r) => [r.time.toISOString(), r.online, r.source]).at(-1)).toEqual([
      '2026-11-24T17:00:00.000Z',
      0,
      'checkpoint',
    ]);
  });

  it('the new day counts LOA as down from midnight in both the function and the dashboards query', async () => {
    const now = Z('17:02:40');
    const fromMidnight = await uptime({
      influx,
      database,
      devices: [BOX, LOA, IDLE],
      from: Z('17:00:00'),
      to: now,
      granularity: 'day',
      now,
    });
    expect(fromMidnight.map((r) => [r.device, r.fraction])).toEqual([
      [BOX, 1],
      [LOA, 0],
      [IDLE, 0],
    ]);
    const q = uptimeInfluxQL({ granularity: 'day', from: `${Z('17:00:00')}ms`, to: `${Z('17:02:00')}ms` });
    const influxql = await influx.query<{ device: string; uptime: number }>(q, { database });
    expect(Object.fromEntries(influxql.map((r) => [r.device, r.uptime]))).toEqual({ [BOX]: 1, [LOA]: 0, [IDLE]: 0 });
  });

  it('without the retain flag, a replayed heartbeat (same boot, uptime not newer) is recognised, also after a restart', async () => {
    // a heartbeat is stored at its receive time: at this frozen instant a new one overwrites the last point
    const stored = async () => {
      const states = await stateRows(BOX);
      return { states: states.length, uptimeS: states.at(-1)?.uptime_s, presence: (await rows(BOX)).length };
    };
    const before = await stored();
    const replays = rig.presence.counters.stateReplays;
    heartbeat(BOX, beats);
    await settle();
    expect(await stored()).toEqual(before); // nothing stored
    expect(rig.presence.counters.stateReplays).toBe(replays + 1);
    await startCollector();
    heartbeat(BOX, beats);
    await settle();
    expect(await stored()).toEqual(before);
    expect(rig.presence.counters.stateReplays).toBe(1);
    heartbeat(BOX, beats + 1);
    await settle();
    expect(await stored()).toEqual({ ...before, uptimeS: beats + 1 }); // device_state only
  });

  it('a collector not running at midnight writes the missing checkpoint at start; a later silence verdict ends it', async () => {
    const midnight = Z('17:00:00');
    await influx.query(`DELETE FROM "presence" WHERE time = ${midnight}ms`, { database }); // as if nobody wrote it
    at(Z('17:30:00'));
    await startCollector();
    await settle();
    const day = async () => {
      const q = uptimeInfluxQL({ granularity: 'day', from: `${midnight}ms`, to: `${clock.now()}ms` });
      return Object.fromEntries(
        (await influx.query<{ device: string; uptime: number }>(q, { database })).map((r) => [r.device, r.uptime]),
      );
    };
    expect((await rows(BOX)).find((r) => r.time.getTime() === midnight)).toMatchObject({
      online: 1,
      source: 'checkpoint',
    });
    expect(await day()).toEqual({ [BOX]: 1, [LOA]: 0, [IDLE]: 0 });
    at(Z('17:35:00'));
    await rig.presence.sweep(); // BOX has been silent since 17:02:40: offline, dated then
    await settle();
    const fn = await uptime({
      influx,
      database,
      devices: [BOX],
      from: midnight,
      to: clock.now(),
      granularity: 'day',
      now: clock.now(),
    });
    expect(fn[0].upS).toBe(160);
    const ql = await day();
    expect(Math.abs(ql[BOX] - fn[0].fraction)).toBeLessThan(1 / 35); // one 1-minute bucket of 35
  });
});
