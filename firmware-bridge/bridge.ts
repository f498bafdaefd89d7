import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EPOCH_FLOOR } from '../devices/contract/time.ts';
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
import { RatingBoxUnit, type RatedPress, type RatingSink } from './rating-box/unit.ts';
import type { BridgeContext, BridgeUnit, ReceiptChannel } from './unit.ts';
import { SOFTWARE_VERSION } from './version.ts';

/**
 * The bridge core: one durable outbox, one MQTT link, one heartbeat, and one unit per capability
 * (rating box, loudspeaker, camera probe). Everything comes in through `deps`; main.ts builds the real ones.
 */
export type UnitEnv = { board: GpioBoard; config: Readonly<BridgeConfig>; ratings: RatingSink; boot: string };
/** builds a unit from the environment, or null when its config section is absent */
export type UnitFactory = (env: UnitEnv) => BridgeUnit | null | Promise<BridgeUnit | null>;

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
  /** units besides the rating box (which comes from config.units.ratingBox) */
  units?: UnitFactory[];
  /** the kernel boot id; tests and the simulator pass fake ones */
  bootId?: string;
};

export type BridgeStats = {
  boot: string;
  clockSynced: boolean;
  outbox: OutboxStats;
  link: LinkStats;
  presses?: RatingBoxUnit['counters'];
  resolved: { mapped: number; estimated: number };
  unitsFailed: number;
  /** why the GPIO board could not be opened (the bridge then runs on a null board) */
  boardError?: string;
  /** ratings accepted but not stored for a reason other than a full outbox (disk errors) */
  storeErrors: number;
};

export type Bridge = {
  readonly boot: string;
  readonly outbox: Outbox;
  readonly link: Link;
  readonly heartbeat: Heartbeat;
  readonly units: BridgeUnit[];
  readonly ratingBox?: RatingBoxUnit;
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

  let boardError: string | undefined;
  const board = await deps.board().catch((err: { code?: string; message?: string }) => {
    boardError = err?.code ?? String(err?.message ?? err);
    log.error({ err }, 'GPIO board could not be opened: running without it (the outbox still drains)');
    return nullBoard(boardError);
  });
  const ratings = ratingSink(outbox, resolver);
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

  const env: UnitEnv = { board, config, ratings, boot };
  const ratingBox = config.units.ratingBox ? new RatingBoxUnit(config.units.ratingBox, { board, ratings, boot, pressLogLimits: config.pressLog }) : undefined;
  const units: BridgeUnit[] = ratingBox ? [ratingBox] : [];
  let unitsFailed = 0;
  for (const factory of deps.units ?? []) {
    try {
      const unit = await factory(env);
      if (unit) units.push(unit);
    } catch (err) {
      unitsFailed++;
      log.error({ err }, 'unit could not be built');
    }
  }
  const started: BridgeUnit[] = [];
  for (const unit of units) {
    const ctx = unitContext(unit.name, { config, clock, time, log, outbox, link, heartbeat });
    try {
      await mkdir(ctx.dataDir, { recursive: true });
      await unit.start(ctx);
      started.push(unit);
    } catch (err) {
      unitsFailed++;
      log.error({ err, unit: unit.name }, 'unit failed to start');
    }
  }
  link.onConnect(() => heartbeat.send());
  link.start();
  heartbeat.start();

  let stopping: Promise<void> | undefined;
  return {
    boot,
    outbox,
    link,
    heartbeat,
    units: started,
    ratingBox,
    stats: () => ({
      boot,
      clockSynced: time.synced(),
      outbox: outbox.stats(),
      link: link.stats(),
      presses: ratingBox ? structuredClone(ratingBox.counters) : undefined,
      resolved: { ...resolver.resolved },
      unitsFailed,
      ...(boardError ? { boardError } : {}),
      storeErrors: ratingBox?.storeErrors ?? 0,
    }),
    stop: () =>
      (stopping ??= (async () => {
        heartbeat.stop();
        for (const unit of [...started].reverse()) {
          await unit.stop().catch((err) => log.error({ err, unit: unit.name }, 'unit stop failed'));
        }
        await link.stop();
        time.stop();
        await board.close().catch((err) => log.warn({ err }, 'board close failed'));
        await resolver.resolveAll();
        await outbox.close();
      })()),
  };
}

function ratingSink(outbox: Outbox, resolver: TimeResolver): RatingSink {
  return {
    isFull: () => outbox.isFull(),
    async record(p: RatedPress) {
      const base = {
        v: 1, id: p.id, level: p.level, boot: p.boot, seq: p.seq,
        ...(p.dossier ? { dossier: p.dossier } : {}), ...(p.procedure ? { procedure: p.procedure } : {}), ...(p.officer ? { officer: p.officer } : {}),
      };
      if (p.wall !== null && p.wall >= EPOCH_FLOOR) {
        await outbox.add('rating', { ...base, at: new Date(p.wall).toISOString(), time: 'synced' });
        return;
      }
      await outbox.add('rating', base, { boot: p.boot, mono: p.mono });
      void resolver.resolveAll(); // the clock may have become trusted while this was written
    },
  };
}

type CoreParts = { config: Readonly<BridgeConfig>; clock: Clock; time: TrustedClock; log: Logger; outbox: Outbox; link: Link; heartbeat: Heartbeat };

function unitContext(name: string, p: CoreParts): BridgeContext {
  return {
    deviceId: p.config.deviceId,
    clock: p.clock,
    time: p.time,
    log: p.log.child({ unit: name }),
    dataDir: join(p.config.dataDir, 'units', name),
    outbox: {
      add: async (channel: ReceiptChannel, payload) => void (await p.outbox.add(channel, payload as Record<string, unknown>)),
      depth: () => p.outbox.depth(),
    },
    publish: (channel, payload, opts) => p.link.publish(channel, payload, opts),
    subscribe: (channel, handler) => p.link.subscribe(channel, handler as Parameters<Link['subscribe']>[1]),
    subscribeArea: (topic, handler) => p.link.subscribeArea(topic, handler),
    contributeState: (fn) => void p.heartbeat.sections.push(fn),
  };
}
