import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ScheduleRefusal } from '../../devices/schedule-signature.ts';
import type { DigitalOutput } from '../io/io.ts';
import type { BridgeContext, BridgeUnit } from '../unit.ts';
import { AudioCache } from './audio-cache.ts';
import { broadcastLog } from './broadcast-log.ts';
import type { ResolvedSpeakerConfig } from './config.ts';
import { Ledger } from './ledger.ts';
import { expandOccurrences, type Occurrence } from './occurrence.ts';
import type { AudioPlayer } from './player.ts';
import { Runner, type Outcome } from './runner.ts';
import { judgeSchedule, type IntakeMessage } from './schedule-intake.ts';
import { ScheduleStore, type ActiveSchedule } from './schedule-store.ts';
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

/** Counters a dashboard can see (every refusal and drop is counted). */
export type SpeakerStats = {
  schedules: { accepted: number; unchanged: number; refused: Partial<Record<ScheduleRefusal, number>> };
  logs: Record<'played' | 'failed' | 'skipped' | 'missed', number>;
  logsLost: number;
  audioPrefetchFailures: number;
  diskErrors: number;
};

/**
 * The loudspeaker unit: keeps the signed schedule and the audio on disk, plays each occurrence on time
 * (offline and after a reboot too) and reports a broadcast log for every one (README "Loudspeaker").
 */
export class SpeakerUnit implements BridgeUnit {
  readonly name = 'speaker';
  readonly stats: SpeakerStats = {
    schedules: { accepted: 0, unchanged: 0, refused: {} },
    logs: { played: 0, failed: 0, skipped: 0, missed: 0 },
    logsLost: 0,
    audioPrefetchFailures: 0,
    diskErrors: 0,
  };
  private ctx: BridgeContext | null = null;
  private active: ActiveSchedule | null = null;
  private store!: ScheduleStore;
  private ledger!: Ledger;
  private audio!: AudioCache;
  private runner!: Runner;
  private scheduler!: Scheduler;
  private aliveTimer: { cancel(): void } | null = null;
  private readonly pending = new Set<Promise<void>>();
  private lastPlayAt: number | null = null;
  private playerErrors = 0;

  constructor(private readonly deps: SpeakerDeps) {}

  get scheduleVersion(): number {
    return this.active?.doc.version ?? 0;
  }

  async start(ctx: BridgeContext): Promise<void> {
    const { config } = this.deps;
    this.ctx = ctx;
    mkdirSync(ctx.dataDir, { recursive: true });
    this.store = new ScheduleStore(ctx.dataDir);
    this.ledger = new Ledger(ctx.dataDir);
    this.audio = new AudioCache({ dir: join(ctx.dataDir, 'audio'), consoleUrl: config.consoleUrl, maxBytes: config.audio.maxBytes, timeoutMs: config.audio.fetchTimeoutMs });
    const streamPlayer = this.deps.streamPlayer ?? streamPlayerFor(config, ctx.clock, ctx.dataDir, (gap) => ctx.log.warn(gap, 'stream gap: reconnecting'));
    const streams = new StreamItems({ player: streamPlayer, stationKeys: config.stream.stationKeys, now: () => ctx.clock.now() });
    this.runner = new Runner({ clock: ctx.clock, relay: this.deps.relay, player: this.deps.player, audio: this.audio, config, report: (o, r) => this.report(o, r), streams });
    this.scheduler = new Scheduler({
      clock: ctx.clock,
      time: ctx.time,
      ledger: this.ledger,
      leadMs: config.warmupMs,
      onDue: (occ) => this.runner.submit(occ),
      onPast: (occ, verdict) => this.report(occ, verdict),
    });
    this.active = this.store.load(config.schedulePublicKey, this.target());
    this.scheduler.setOccurrences(this.active ? expandOccurrences(this.active.doc) : []);
    if (this.active) this.prefetch(this.active);
    ctx.subscribe('schedule', (msg) => this.onSchedule(msg));
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
    await Promise.allSettled([...this.pending]);
    if (ctx.time.synced()) this.ledger.alive(ctx.clock.now());
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

  private onSchedule(msg: IntakeMessage): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const at = ctx.time.synced() ? new Date(ctx.clock.now()).toISOString() : null;
    const verdict = judgeSchedule(msg, this.active, this.deps.config.schedulePublicKey, this.target(), at);
    if (verdict.kind === 'unchanged') {
      this.stats.schedules.unchanged++;
      return;
    }
    if (verdict.kind === 'refused') {
      this.stats.schedules.refused[verdict.reason] = (this.stats.schedules.refused[verdict.reason] ?? 0) + 1;
      ctx.log.warn({ reason: verdict.reason, detail: verdict.detail }, 'schedule refused');
    } else {
      this.saveSchedule(verdict.active);
      this.active = verdict.active;
      this.stats.schedules.accepted++;
      const occurrences = expandOccurrences(verdict.active.doc);
      this.scheduler.setOccurrences(occurrences);
      this.runner.endStreamsNotIn(new Set(occurrences.map((o) => o.key)));
      this.prefetch(verdict.active);
      ctx.log.info({ version: verdict.active.doc.version }, 'schedule accepted');
    }
    ctx.publish('schedule-status', verdict.status, { retain: true, qos: 1 });
  }

  /** A disk error must not lose a verified schedule: it still runs from memory, and the failure is counted. */
  private saveSchedule(active: ActiveSchedule): void {
    try {
      this.store.save(active.payload);
    } catch (err) {
      this.stats.diskErrors++;
      this.ctx?.log.error({ err }, 'schedule not saved to disk');
    }
  }

  /** Download the audio now, while the network is up, so the occurrence plays even if it is down then. */
  private prefetch(active: ActiveSchedule): void {
    const refs = new Map(active.doc.items.map((i) => [i.audio.sha256, i.audio]));
    const job = (async () => {
      for (const ref of refs.values()) {
        const r = await this.audio.ensure(ref);
        if (!r.ok) {
          this.stats.audioPrefetchFailures++;
          this.ctx?.log.warn({ sha256: ref.sha256, error: r.error, detail: r.detail }, 'audio prefetch failed');
        }
      }
      if (this.active === active) this.audio.prune(new Set(refs.keys()));
    })();
    void job;
  }

  private report(occ: Occurrence, outcome: Outcome | PastVerdict): void {
    const ctx = this.ctx;
    if (!ctx) return; // stopped: the occurrence stays unhandled and is reported on the next start
    const log = broadcastLog(occ, outcome);
    this.stats.logs[log.outcome]++;
    if (outcome.outcome === 'played') this.lastPlayAt = outcome.startedAt;
    if (outcome.outcome === 'failed' && outcome.reason.startsWith('player-')) this.playerErrors++;
    ctx.log.info({ announcement: log.announcement, occurrence: log.occurrence, outcome: log.outcome, reason: log.reason, stream: log.stream }, 'broadcast');
    const job = Promise.resolve()
      .then(() => ctx.outbox.add('broadcast-log', log))
      .then(
        () => this.ledger.markHandled(occ.key, occ.start),
        (err: unknown) => {
          // the log is lost (e.g. outbox full) but the occurrence must never be played or logged twice
          this.stats.logsLost++;
          this.ledger.markHandled(occ.key, occ.start);
          ctx.log.error({ err, announcement: log.announcement }, 'broadcast log not stored');
        },
      );
    this.track(job);
  }

  private track(job: Promise<void>): void {
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }
}
