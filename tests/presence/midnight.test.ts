import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uptime, uptimeInfluxQL } from '../../devices/analytics/uptime.ts';
import type { CollectorContext, CollectorExtension, InboundMessage } from '../../collector/extension.ts';
import { presenceExtensions } from '../../collector/presence/index.ts';
import type { StatePayload } from '../../devices/contract/index.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import { testDatabase } from '../harness/influx.ts';
import { schemaInflux, TestClock } from './harness.ts';

/**
 * Across a Vietnam midnight, driving the extensions' handle() directly (no broker needed) with a real InfluxDB:
 * checkpoints at midnight, a silence verdict dated before midnight overwriting its checkpoint (unknown is not
 * stretched into the new day), and a collector that starts while InfluxDB is unreachable.
 */
const { influx, database } = testDatabase('midnight');
const clock = new TestClock();
const Z = (hms: string) => Date.parse(`2026-11-24T${hms}Z`); // 16:55Z = 23:55 Vietnam time
const BOX = 'xa1-quay1-box';
const LOA = 'xa1-ap1-loa';
const IDLE = 'xa1-ap2-loa';
let registry: Registry;
let extensions: CollectorExtension[];
let service: ReturnType<typeof presenceExtensions>['service'];
let ctx: CollectorContext;
const at = (ms: number) => (clock.frozen = ms);

function state(exts: CollectorExtension[], device: string, uptimeS: number, retained?: boolean) {
  const payload: StatePayload = { v: 1, at: null, clockSynced: false, boot: 'b', uptimeS, version: '0.1.0', outboxDepth: 0 };
  const msg = { ok: true, deviceId: device, channel: 'state', payload, entry: registry.device(device)!, receivedAt: clock.now(), retained } as InboundMessage;
  return exts.find((e) => e.channels.includes('state'))!.handle(msg, ctx);
}
function heartbeat(device: string): void {
  const r = state(extensions, device, ++beats, false);
  if ('points' in r) pending.push(ctx.write(r.points));
}
const pending: Promise<void>[] = [];
let beats = 0;
const rows = (device: string) =>
  influx
    .query<{ time: Date; online: number; source: string }>(`SELECT "online", "source" FROM "presence" WHERE "device" = '${device}'`, { database })
    .then((r) => [...r]);

beforeAll(async () => {
  await influx.createDatabase(database);
  registry = parseRegistry((await demoRegistry({ hamletsPerCommune: 2, countersPerCommune: 1, cost: { N: 1024, r: 8, p: 1 } })).yaml);
  ({ service, extensions } = presenceExtensions());
  // InfluxDB unreachable at start: the collector must still start, and rebuild later
  const dead = new InfluxDB({ host: '127.0.0.1', port: await freePort(), database });
  ctx = {
    registry,
    clock,
    log: silentLogger,
    influx: dead,
    database,
    write: (points) => (points.length ? schemaInflux(influx, database).writePoints(points, { database, precision: 'ms' }) : Promise.resolve()),
    publish: async () => undefined,
  };
  at(Z('16:55:00'));
});
afterAll(async () => {
  await service.stop();
  await influx.dropDatabase(database);
});

describe('presence across a Vietnam midnight', () => {
  it('starts while InfluxDB is unreachable, rebuilds on a later sweep', async () => {
    for (const e of extensions) await e.start?.(ctx);
    expect(service.counters.restoreFailed).toBeGreaterThanOrEqual(1);
    expect(await rows(IDLE)).toEqual([]);
    ctx.influx = influx;
    await service.sweep();
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
      await Promise.all(pending);
      await service.sweep();
    }
    const loa = (await rows(LOA)).map((r) => [r.time.toISOString(), r.online, r.source]);
    expect(loa).toEqual([
      ['2026-11-24T16:55:00.000Z', 0, 'registered'],
      ['2026-11-24T16:55:30.000Z', 1, 'heartbeat'],
      ['2026-11-24T16:58:00.000Z', 0, 'silence'],
      ['2026-11-24T17:00:00.000Z', 0, 'checkpoint'],
    ]);
    const box = (await rows(BOX)).map((r) => [r.time.toISOString(), r.online, r.source]);
    expect(box.at(-1)).toEqual(['2026-11-24T17:00:00.000Z', 1, 'checkpoint']);
    expect((await rows(IDLE)).map((r) => [r.time.toISOString(), r.online, r.source]).at(-1)).toEqual(['2026-11-24T17:00:00.000Z', 0, 'checkpoint']);
  });

  it('the new day counts LOA as down from midnight in both the function and the dashboards query', async () => {
    const now = Z('17:02:40');
    const fromMidnight = await uptime({ influx, database, devices: [BOX, LOA, IDLE], from: Z('17:00:00'), to: now, granularity: 'day', now });
    expect(fromMidnight.map((r) => [r.device, r.fraction])).toEqual([[BOX, 1], [LOA, 0], [IDLE, 0]]);
    const q = uptimeInfluxQL({ granularity: 'day', from: `${Z('17:00:00')}ms`, to: `${Z('17:02:00')}ms` });
    const influxql = await influx.query<{ device: string; uptime: number }>(q, { database });
    expect(Object.fromEntries(influxql.map((r) => [r.device, r.uptime]))).toEqual({ [BOX]: 1, [LOA]: 0, [IDLE]: 0 });
  });

  it('without the retain flag, a replayed heartbeat (same boot, uptime not newer) is recognised, also after a restart', async () => {
    const replays = service.counters.stateReplays;
    expect(state(extensions, BOX, beats)).toEqual({ points: [] });
    expect(service.counters.stateReplays).toBe(replays + 1);
    const fresh = presenceExtensions();
    for (const e of fresh.extensions) await e.start?.(ctx);
    expect(state(fresh.extensions, BOX, beats)).toEqual({ points: [] });
    const next = state(fresh.extensions, BOX, beats + 1);
    expect('points' in next && next.points.map((p) => p.measurement)).toEqual(['device_state']);
    await fresh.service.stop();
  });

  it('a collector not running at midnight writes the missing checkpoint at start; a later silence verdict ends it', async () => {
    const midnight = Z('17:00:00');
    await influx.query(`DELETE FROM "presence" WHERE time = ${midnight}ms`, { database }); // as if nobody wrote it
    at(Z('17:30:00'));
    const fresh = presenceExtensions();
    for (const e of fresh.extensions) await e.start?.(ctx);
    const day = async () => {
      const q = uptimeInfluxQL({ granularity: 'day', from: `${midnight}ms`, to: `${clock.now()}ms` });
      return Object.fromEntries((await influx.query<{ device: string; uptime: number }>(q, { database })).map((r) => [r.device, r.uptime]));
    };
    expect((await rows(BOX)).find((r) => r.time.getTime() === midnight)).toMatchObject({ online: 1, source: 'checkpoint' });
    expect(await day()).toEqual({ [BOX]: 1, [LOA]: 0, [IDLE]: 0 });
    at(Z('17:35:00'));
    await fresh.service.sweep(); // BOX has been silent since 17:02:40: offline, dated then
    const fn = await uptime({ influx, database, devices: [BOX], from: midnight, to: clock.now(), granularity: 'day', now: clock.now() });
    expect(fn[0].upS).toBe(160);
    const ql = await day();
    expect(Math.abs(ql[BOX] - fn[0].fraction)).toBeLessThan(1 / 35); // one 1-minute bucket of 35
    await fresh.service.stop();
  });
});
