import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { BootHistory, readBootId } from './clock/boot.ts';
import { TimeResolver } from './clock/time-resolver.ts';
import type { TrustedClock } from './clock/trusted-time.ts';
import type { BridgeConfig } from './config.ts';
import { Heartbeat } from './heartbeat.ts';
import type { GpioBoard } from './io/io.ts';
import { nullBoard } from './io/null-board.ts';
import { Link, type LinkStats, type MqttFactory } from './link.ts';
import { Outbox, type OutboxStats } from './outbox/outbox.ts';
import { BRIDGE_ERRORS, BridgeError } from './errors.ts';
import type { BridgeContext, BridgeUnit, ReceiptChannel, UnitBuilder, UnitEnv } from './unit.ts';
import { configuredUnits } from './unit-catalogue.ts';
import { SOFTWARE_VERSION } from './version.ts';

/**
 * The bridge core: one durable outbox, one MQTT link, one heartbeat, and one unit per config section under
 * `units` (rating box, loudspeaker, camera probe, updates), each built by its factory (unit-catalogue.ts).
 * The core knows no unit. Everything comes in through `deps`; main.ts builds the real ones.
 */

export type BridgeDeps = {
  config: Readonly<BridgeConfig>;
  /** opens the GPIO board (johnny-five Firmata / raspi / fake IO) */
  board: () => Promise<GpioBoard>;
  clock: Clock;
  time: TrustedClock;
  /** the broker password (main.ts reads config.broker.password or passwordFile) and CA */
  password: string;
  ca?: Buffer;
  mqttFactory?: MqttFactory;
  log: Logger;
  /** units besides those of config.units (tests, the simulator) */
  units?: UnitBuilder[];
  /** the kernel boot id; tests and the simulator pass fake ones */
  bootId?: string;
};

export type BridgeStats = {
  boot: string;
  clockSynced: boolean;
  outbox: OutboxStats;
  link: LinkStats;
  resolved: { mapped: number; estimated: number };
  unitsFailed: number;
  /** why the GPIO board could not be opened (the bridge then runs on a null board) */
  boardError?: string;
};

export type Bridge = {
  readonly boot: string;
  readonly outbox: Outbox;
  readonly link: Link;
  readonly heartbeat: Heartbeat;
  /** the units that started, in start order */
  readonly units: BridgeUnit[];
  stats(): BridgeStats;
  stop(): Promise<void>;
};

export async function startBridge(deps: BridgeDeps): Promise<Bridge> {
  const { config, clock, time, log } = deps;
  const boot = deps.bootId ?? readBootId();
  await mkdir(config.dataDir, { recursive: true });
  const outbox = await Outbox.open(join(config.dataDir, 'outbox'), config.outbox, log.child({ component: 'outbox' }));
  const history = new BootHistory(join(config.dataDir, 'clock', 'boots.jsonl'));
  const resolver = new TimeResolver({ outbox, history, time, boot, clock, log: log.child({ component: 'time' }) });
  time.start();
  await resolver.start();
  const { board, boardError } = await openBoard(deps);
  const env: UnitEnv = { board, config, boot, outbox, resolveTimes: () => resolver.resolveAll() };
  const units = await buildUnits(env, deps.units ?? []).catch(async (err: unknown) => {
    time.stop();
    await board.close().catch(() => undefined);
    await outbox.close();
    throw err;
  });
  const link = new Link({
    options: { ...config.broker, ...config.outbox, deviceId: config.deviceId, password: deps.password, ca: deps.ca },
    outbox,
    clock,
    log: log.child({ component: 'link' }),
    mqttFactory: deps.mqttFactory,
  });
  const heartbeat = new Heartbeat({
    clock,
    time,
    boot,
    version: SOFTWARE_VERSION,
    intervalMs: config.heartbeatMs,
    outboxDepth: () => outbox.depth(),
    publish: (state) => link.publish('state', state, { retain: true, qos: 1 }),
  });
  const core: CoreParts = { config, clock, time, log, outbox, link, heartbeat };
  const { started, failed } = await startUnits(units, core);
  link.onConnect(() => heartbeat.send());
  link.start();
  heartbeat.start();
  return runningBridge({ ...core, boot, resolver, board, boardError, started, failed });
}

type Running = CoreParts & {
  boot: string;
  resolver: TimeResolver;
  board: GpioBoard;
  boardError?: string;
  started: BridgeUnit[];
  failed: number;
};

function runningBridge(r: Running): Bridge {
  let stopping: Promise<void> | undefined;
  return {
    boot: r.boot,
    outbox: r.outbox,
    link: r.link,
    heartbeat: r.heartbeat,
    units: r.started,
    stats: () => ({
      boot: r.boot,
      clockSynced: r.time.synced(),
      outbox: r.outbox.stats(),
      link: r.link.stats(),
      resolved: { ...r.resolver.resolved },
      unitsFailed: r.failed,
      ...(r.boardError ? { boardError: r.boardError } : {}),
    }),
    stop: () =>
      (stopping ??= (async () => {
        r.heartbeat.stop();
        for (const unit of [...r.started].reverse()) {
          await unit.stop().catch((err) => r.log.error({ err, unit: unit.name }, 'unit stop failed'));
        }
        await r.link.stop();
        r.time.stop();
        await r.board.close().catch((err) => r.log.warn({ err }, 'board close failed'));
        await r.resolver.resolveAll();
        await r.outbox.close();
      })()),
  };
}

/** A board that cannot be opened leaves the bridge on a null board: the outbox still drains. */
async function openBoard(deps: Pick<BridgeDeps, 'board' | 'log'>): Promise<{ board: GpioBoard; boardError?: string }> {
  try {
    return { board: await deps.board() };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const boardError = err?.code ?? String(err?.message ?? err);
    deps.log.error({ err }, 'GPIO board could not be opened: running without it (the outbox still drains)');
    return { board: nullBoard(boardError), boardError };
  }
}

/** A unit whose start() fails is logged and counted; the others, and the outbox, keep running. */
async function startUnits(units: BridgeUnit[], parts: CoreParts): Promise<{ started: BridgeUnit[]; failed: number }> {
  const started: BridgeUnit[] = [];
  let failed = 0;
  for (const unit of units) {
    const ctx = unitContext(unit.name, parts);
    try {
      await mkdir(ctx.dataDir, { recursive: true });
      await unit.start(ctx);
      started.push(unit);
    } catch (err) {
      failed++;
      parts.log.error({ err, unit: unit.name }, 'unit failed to start');
    }
  }
  return { started, failed };
}

/**
 * Build every unit before any starts. A factory that throws (a key file that cannot be read, a bad key) refuses
 * the start, with every unit's problems listed together, like a bad section in the config.
 */
async function buildUnits(env: UnitEnv, extra: UnitBuilder[]): Promise<BridgeUnit[]> {
  const builders = [...configuredUnits(env.config.units), ...extra.map((build) => ({ key: 'extra', build }))];
  const results = await Promise.allSettled(builders.map((b) => Promise.resolve().then(() => b.build(env))));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ key: builders[i]!.key, err: r.reason as Partial<BridgeError> }] : [],
  );
  if (failures.length) {
    const problems = failures.flatMap(({ key, err }) =>
      err.problems?.length ? err.problems : [`units.${key}: ${err.message ?? String(err)}`],
    );
    // one cause (every key file unreadable) keeps its own code; mixed causes are an invalid config
    const codes = new Set(
      failures.map(({ err }) => (err.code && err.code in BRIDGE_ERRORS ? err.code : 'BRIDGE_CONFIG_INVALID')),
    );
    const code = codes.size === 1 ? [...codes][0]! : 'BRIDGE_CONFIG_INVALID';
    throw new BridgeError(
      code,
      `không dựng được các khối (units could not be built):\n  - ${problems.join('\n  - ')}`,
      problems,
    );
  }
  return results.map((r) => (r as PromiseFulfilledResult<BridgeUnit>).value);
}

type CoreParts = {
  config: Readonly<BridgeConfig>;
  clock: Clock;
  time: TrustedClock;
  log: Logger;
  outbox: Outbox;
  link: Link;
  heartbeat: Heartbeat;
};

function unitContext(name: string, p: CoreParts): BridgeContext {
  return {
    deviceId: p.config.deviceId,
    clock: p.clock,
    time: p.time,
    log: p.log.child({ unit: name }),
    dataDir: join(p.config.dataDir, 'units', name),
    outbox: {
      add: async (channel: ReceiptChannel, payload) =>
        void (await p.outbox.add(channel, payload as Record<string, unknown>)),
      depth: () => p.outbox.depth(),
    },
    publish: (channel, payload, opts) => p.link.publish(channel, payload, opts),
    subscribe: (channel, handler) => p.link.subscribe(channel, handler as Parameters<Link['subscribe']>[1]),
    subscribeArea: (topic, handler) => p.link.subscribeArea(topic, handler),
    contributeState: (fn) => void p.heartbeat.sections.push(fn),
  };
}
