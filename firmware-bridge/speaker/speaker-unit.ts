import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DigitalOutput } from '../io/io.ts';
import type { AreaMessage, BridgeContext, BridgeUnit } from '../unit.ts';
import { AreaOrders, emergencyItems, stopsInForce, withAreaEmergencies } from './area-orders.ts';
import { freshStats, issuerSlots, type IssuerSlot, type SpeakerStats } from './issuer-slots.ts';
import { AudioCache } from './audio-cache.ts';
import { sendBroadcastLog } from './broadcast-log.ts';
import { Jobs } from './jobs.ts';
import type { ResolvedSpeakerConfig } from './config.ts';
import { Ledger } from './ledger.ts';
import type { IssuerLevel, ScheduleItem, ScheduleStatusPayload } from '../../devices/contract/broadcast.ts';
import type { AreaOrderKind } from '../../devices/schedule-signature.ts';
import {
  activeStops,
  effectivePolicy,
  expandAll,
  nextStopEnd,
  stopCovering,
  type ActiveStop,
  type IssuedDocs,
} from '../../devices/broadcast-plan.ts';
import { ISSUER_RANK } from '../../devices/contract/broadcast.ts';
import type { Occurrence } from './occurrence.ts';
import type { AudioPlayer } from './player.ts';
import { Runner, type Outcome } from './runner.ts';
import { judgeSchedule, type IntakeMessage } from './schedule-intake.ts';
import type { ActiveSchedule } from './schedule-store.ts';
import { Scheduler, type PastVerdict } from './scheduler.ts';
import type { StreamPlayer } from './player-stream.ts';
import { StreamItems, streamPlayerFor } from './stream-item.ts';

export type SpeakerDeps = {
  config: ResolvedSpeakerConfig;
  /** the amplifier relay: `board.output(pin, 'relay')` from firmware-bridge/io */
  relay: Pick<DigitalOutput, 'set' | 'on'>;
  player: AudioPlayer;
  /** relays and live broadcasts (default: ffmpeg per config.stream) */
  streamPlayer?: StreamPlayer;
};

/**
 * The loudspeaker unit: keeps the signed schedule and the audio on disk, plays each occurrence on time
 * (offline and after a reboot too) and reports a broadcast log for every one (README "Loudspeaker").
 */
export class SpeakerUnit implements BridgeUnit {
  readonly name = 'speaker';
  readonly stats: SpeakerStats = freshStats();
  private ctx: BridgeContext | null = null;
  private slots: IssuerSlot[] = [];
  private areaStops!: AreaOrders<'stop'>;
  private areaEmergencies!: AreaOrders<'emergency'>;
  private stopTimer: { cancel(): void } | null = null;
  private ledger!: Ledger;
  private audio!: AudioCache;
  private runner!: Runner;
  private scheduler!: Scheduler;
  private aliveTimer: { cancel(): void } | null = null;
  private readonly jobs = new Jobs();
  private lastPlayAt: number | null = null;
  private playerErrors = 0;

  constructor(private readonly deps: SpeakerDeps) {}

  /** the version of the commune's document it runs */
  get scheduleVersion(): number {
    return this.versionOf('commune');
  }

  versionOf(level: IssuerLevel): number {
    return this.slots.find((s) => s.level === level)?.active?.doc.version ?? 0;
  }

  /** the stop in force now, if any (highest level first) */
  get stoppedBy(): { id: string; level: IssuerLevel } | null {
    const s = this.stopsInForce(this.ctx?.clock.now() ?? Date.now())[0];
    return s ? { id: s.id, level: s.level } : null;
  }

  async start(ctx: BridgeContext): Promise<void> {
    const { config } = this.deps;
    this.ctx = ctx;
    mkdirSync(ctx.dataDir, { recursive: true });
    this.slots = issuerSlots(config, ctx.dataDir);
    this.areaStops = new AreaOrders('stop', ctx.dataDir, this.slots);
    this.areaStops.load();
    this.areaEmergencies = new AreaOrders('emergency', ctx.dataDir, this.slots);
    this.areaEmergencies.load();
    this.ledger = new Ledger(ctx.dataDir);
    this.audio = new AudioCache({
      dir: join(ctx.dataDir, 'audio'),
      consoleUrl: config.consoleUrl,
      maxBytes: config.audio.maxBytes,
      timeoutMs: config.audio.fetchTimeoutMs,
    });
    const streamPlayer =
      this.deps.streamPlayer ??
      streamPlayerFor(config, ctx.clock, ctx.dataDir, (gap) => ctx.log.warn(gap, 'stream gap: reconnecting'));
    const streams = new StreamItems({
      player: streamPlayer,
      stationKeys: config.stream.stationKeys,
      now: () => ctx.clock.now(),
    });
    this.runner = new Runner({
      clock: ctx.clock,
      relay: this.deps.relay,
      player: this.deps.player,
      audio: this.audio,
      config,
      report: (o, r) => this.report(o, r),
      streams,
    });
    this.scheduler = new Scheduler({
      clock: ctx.clock,
      time: ctx.time,
      ledger: this.ledger,
      leadMs: config.warmupMs,
      onDue: (occ) => this.runner.submit(occ),
      onPast: (occ, verdict) => this.report(occ, verdict),
    });
    for (const slot of this.slots) {
      slot.active = slot.store.load(slot.key, { ...this.target(), issuer: slot.issuer });
      if (slot.active) this.prefetch(slot, slot.active);
    }
    this.prefetchItems(Object.values(this.areaItems()).flat());
    this.apply(null);
    // the area topics first: on a reconnect the retained stop is the first thing to obey, then an emergency
    if (ctx.subscribeArea) {
      for (const a of this.areaStops.topics())
        ctx.subscribeArea(a.topic, (msg) => this.onAreaOrder(this.areaStops, a.level, msg));
      for (const a of this.areaEmergencies.topics())
        ctx.subscribeArea(a.topic, (msg) => this.onAreaOrder(this.areaEmergencies, a.level, msg));
    }
    for (const slot of this.slots) ctx.subscribe(slot.channel, (msg) => this.onSchedule(slot, msg));
    ctx.contributeState(() => ({
      speaker: {
        relay: this.deps.relay.on ? 'on' : 'off',
        lastPlayAt: this.lastPlayAt === null ? null : new Date(this.lastPlayAt).toISOString(),
        playerErrors: this.playerErrors,
        scheduleVersion: this.scheduleVersion,
      },
    }));
    this.keepAlive();
    ctx.log.info({ scheduleVersion: this.scheduleVersion, since: this.ledger.since }, 'speaker started');
  }

  async stop(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return;
    this.scheduler.stop();
    this.runner.stop();
    this.aliveTimer?.cancel();
    this.stopTimer?.cancel();
    await this.jobs.settled();
    if (ctx.time.synced()) this.ledger.alive(ctx.clock.now());
    await this.ledger.flushed();
    this.ctx = null;
  }

  private target() {
    return { speaker: this.ctx!.deviceId, hamlet: this.deps.config.hamlet, commune: this.deps.config.commune };
  }

  private keepAlive(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (ctx.time.synced()) this.ledger.alive(ctx.clock.now());
    this.aliveTimer = ctx.clock.setTimeout(() => this.keepAlive(), this.deps.config.aliveEveryMs);
  }

  /** the stops of every accepted document and of the area stop orders, highest level first */
  private stopsInForce(now: number): ActiveStop[] {
    const all = [...activeStops(this.docs(), now), ...stopsInForce(this.areaStops, this.deps.config.commune, now)];
    const unique = all.filter((s, i) => all.findIndex((o) => o.id === s.id && o.level === s.level) === i);
    return unique.sort((a, b) => ISSUER_RANK[b.level] - ISSUER_RANK[a.level]);
  }

  private onAreaOrder(orders: AreaOrders<AreaOrderKind>, level: IssuerLevel, msg: AreaMessage): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const verdict = orders.judge(level, msg);
    if (verdict.kind === 'unchanged') return;
    const counts = orders.kind === 'stop' ? this.stats.areaStops : this.stats.areaEmergencies;
    if (verdict.kind === 'refused') {
      counts.refused[verdict.reason] = (counts.refused[verdict.reason] ?? 0) + 1;
      ctx.log.warn(
        { area: orders.kind, issuer: level, reason: verdict.reason, detail: verdict.detail },
        'area order refused',
      );
      // the console sees the refusal (and answers one of an older order with the latest)
      this.publishStatus({
        v: 1,
        active: this.scheduleVersion,
        status: 'refused',
        reason: verdict.reason,
        issuer: level,
        area: orders.kind,
        ...(verdict.version !== undefined ? { received: verdict.version } : {}),
        at: ctx.time.synced() ? new Date(ctx.clock.now()).toISOString() : null,
      });
      return;
    }
    // act first (cut the sound and switch the relay off, or start the emergency), then write to disk
    counts.accepted++;
    if (orders.kind === 'stop') {
      // silence first: the gate and the cut are all a stop needs now; the time line is rebuilt in the next turn of
      // the event loop, so that a busy unit (or many units of one process) obeys every stop that came in first
      this.silence();
      this.jobs.later(
        () => this.ctx && this.apply(null),
        (err) => ctx.log.error({ err }, 'time line not rebuilt after a stop'),
      );
    } else {
      this.apply({ level });
      this.prefetchItems(this.areaItems()[level] ?? []);
    }
    this.jobs.track(
      orders.save(level).catch((err: unknown) => {
        this.stats.diskErrors++;
        ctx.log.error({ err }, 'area order not saved to disk');
      }),
    );
    ctx.log.info(
      { area: orders.kind, issuer: level, version: verdict.version, stoppedBy: this.stoppedBy },
      'area order accepted',
    );
  }

  /** the emergency items of the area orders that are for this speaker, by level */
  private areaItems(): Partial<Record<IssuerLevel, ScheduleItem[]>> {
    return emergencyItems(this.areaEmergencies, { commune: this.deps.config.commune, hamlet: this.deps.config.hamlet });
  }

  /** What the unit plays: every issuer's document with that issuer's area emergency items merged in. */
  private timeline(): IssuedDocs {
    return withAreaEmergencies(this.docs(), this.areaItems(), { ...this.target() });
  }

  private docs(): IssuedDocs {
    const docs: IssuedDocs = {};
    for (const s of this.slots) if (s.active) docs[s.level] = s.active.doc;
    return docs;
  }

  /**
   * Merge every issuer's document on the unit: one time line of occurrences, the strictest sound policy,
   * the stops in force. `changed`: the issuer whose document was just replaced; what it withdrew is cut.
   */
  private apply(changed: { level: IssuerLevel } | null): void {
    const ctx = this.ctx!;
    const docs = this.timeline();
    const { quietHours, volumeCaps } = this.deps.config;
    this.runner.setPolicy(effectivePolicy(docs, { quietHours, volumeCaps }));
    const stopReason = this.stopGate();
    this.runner.setGate(stopReason);
    const occurrences = expandAll(docs);
    const keys = new Set(occurrences.map((o) => o.key));
    // a relay or live broadcast its issuer took out of the schedule (the live session ended, the relay was
    // stopped) ends now, as played; under a stop in force it is cut as "stopped" below instead
    if (changed) this.runner.endStreamsNotIn(keys, stopReason);
    const cut = this.runner.cut(
      (occ) => stopReason(occ) ?? (changed && occ.issuer === changed.level && !keys.has(occ.key) ? 'withdrawn' : null),
    );
    this.counted(cut);
    this.scheduler.setOccurrences(occurrences);
    // a stop with an end: wake then to say the unit may sound again
    this.stopTimer?.cancel();
    const end = nextStopEnd(this.stopsInForce(ctx.clock.now()));
    this.stopTimer =
      end === null ? null : ctx.clock.setTimeout(() => this.onStopEnded(), Math.max(0, end - ctx.clock.now()));
  }

  /** what the stops in force refuse: the runner's gate, and the reason of a cut */
  private stopGate(): (occ: Occurrence) => 'stopped' | null {
    const ctx = this.ctx!;
    return (occ) => (stopCovering(this.stopsInForce(ctx.clock.now()), occ.issuer) ? 'stopped' : null);
  }

  /** the stops in force applied to what plays and what is about to: cut now, refused from now on */
  private silence(): void {
    const stopReason = this.stopGate();
    this.runner.setGate(stopReason);
    this.counted(this.runner.cut(stopReason));
  }

  private counted(cut: number): void {
    if (cut === 0) return;
    this.stats.cuts += cut;
    this.ctx?.log.warn({ cut, stoppedBy: this.stoppedBy }, 'playback cut');
  }

  private onStopEnded(): void {
    if (!this.ctx) return;
    this.apply(null);
    this.publishStatus({
      v: 1,
      active: this.scheduleVersion,
      status: 'accepted',
      at: this.ctx.time.synced() ? new Date(this.ctx.clock.now()).toISOString() : null,
    });
  }

  /** every status also tells the active version of each issuer and the stop in force */
  private publishStatus(status: ScheduleStatusPayload): void {
    const actives = Object.fromEntries(this.slots.map((s) => [s.level, s.active?.doc.version ?? 0]));
    this.ctx?.publish(
      'schedule-status',
      { ...status, active: this.scheduleVersion, actives, stopped: this.stoppedBy },
      { retain: true, qos: 1 },
    );
  }

  private onSchedule(slot: IssuerSlot, msg: IntakeMessage): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const at = ctx.time.synced() ? new Date(ctx.clock.now()).toISOString() : null;
    const verdict = judgeSchedule(msg, slot.active, slot.key, this.target(), at, slot.issuer);
    if (verdict.kind === 'unchanged') {
      this.stats.schedules.unchanged++;
      return;
    }
    if (verdict.kind === 'refused') {
      this.stats.schedules.refused[verdict.reason] = (this.stats.schedules.refused[verdict.reason] ?? 0) + 1;
      ctx.log.warn({ issuer: slot.level, reason: verdict.reason, detail: verdict.detail }, 'schedule refused');
    } else {
      // act first (a stop cuts the sound, an emergency is scheduled), then write to disk: an SD card can be slow,
      // and a crash in between is covered by the retained document delivered again on reconnect
      slot.active = verdict.active;
      this.stats.schedules.accepted++;
      this.apply({ level: slot.level });
      this.saveSchedule(slot, verdict.active);
      this.prefetch(slot, verdict.active);
      ctx.log.info(
        { issuer: slot.level, version: verdict.active.doc.version, stop: verdict.active.doc.stop?.id },
        'schedule accepted',
      );
    }
    this.publishStatus(verdict.status);
  }

  /** A disk error must not lose a verified schedule: it still runs from memory, and the failure is counted. */
  private saveSchedule(slot: IssuerSlot, active: ActiveSchedule): void {
    this.jobs.track(
      slot.store.save(active.payload).catch((err: unknown) => {
        this.stats.diskErrors++;
        this.ctx?.log.error({ err }, 'schedule not saved to disk');
      }),
    );
  }

  /** Download the audio now, while the network is up, so the occurrence plays even if it is down then. */
  private prefetch(slot: IssuerSlot, active: ActiveSchedule): void {
    // keep the audio every issuer's current document and area order needs
    this.prefetchItems(active.doc.items, () => slot.active === active);
  }

  private prefetchItems(items: ScheduleItem[], thenPrune: () => boolean = () => false): void {
    const refs = new Map(items.map((i) => [i.audio.sha256, i.audio]));
    const urgent = new Set(items.filter((i) => i.priority === 'emergency').map((i) => i.audio.sha256));
    const job = (async () => {
      for (const ref of refs.values()) {
        const r = await this.audio.ensure(ref, { urgent: urgent.has(ref.sha256) });
        if (!r.ok) {
          this.stats.audioPrefetchFailures++;
          this.ctx?.log.warn({ sha256: ref.sha256, error: r.error, detail: r.detail }, 'audio prefetch failed');
        }
      }
      if (thenPrune())
        this.audio.prune(
          new Set([
            ...this.slots.flatMap((s) => s.active?.doc.items.map((i) => i.audio.sha256) ?? []),
            ...Object.values(this.areaItems()).flatMap((list) => list.map((i) => i.audio.sha256)),
          ]),
        );
    })();
    void job;
  }

  private report(occ: Occurrence, outcome: Outcome | PastVerdict): void {
    const ctx = this.ctx;
    if (!ctx) return; // stopped: the occurrence stays unhandled and is reported on the next start
    if (outcome.outcome === 'played') this.lastPlayAt = outcome.startedAt;
    if (outcome.outcome === 'failed' && outcome.reason.startsWith('player-')) this.playerErrors++;
    this.jobs.track(sendBroadcastLog({ ...ctx, ledger: this.ledger, stats: this.stats }, occ, outcome));
  }
}
