import type { IPoint } from 'influx';
import { deviceLabel } from '../../devices/registry/labels.ts';
import { AlertBook, type AlertEvent } from './alerts.ts';
import { CameraWatch, cameraPoint } from './camera.ts';
import type { CollectorContext, HandleResult, InboundMessage } from '../extension.ts';
import type { PresenceConfig } from './config.ts';
import { SilentBoxWatch } from './silent-box.ts';
import { loadPresence, loadStateAt, presencePoint } from './store.ts';
import { PresenceTracker, type Transition } from './tracker.ts';
import { vnDayStart } from '../../devices/time/vietnam.ts';
import { statePoint } from './device-state.ts';

/**
 * What the presence, device-state and camera extensions share: the tracker, the alert book and the sweep timer.
 * Started once (by whichever extension starts first); in-memory state is rebuilt from InfluxDB on start.
 */
export class PresenceService {
  readonly tracker: PresenceTracker;
  readonly cameras = new CameraWatch();
  alerts?: AlertBook;
  #silentBox?: SilentBoxWatch;
  #ctx?: CollectorContext;
  #started?: Promise<void>;
  #timer?: { cancel(): void };
  #sweeping?: Promise<void>;
  #lastCheckpoint = 0;
  readonly counters = { sweepFailed: 0, cameraUnknown: 0, restoreFailed: 0, stateReplays: 0 };

  constructor(
    readonly config: PresenceConfig,
    readonly newId?: () => string,
  ) {
    this.tracker = new PresenceTracker({
      silenceMs: config.silenceS * 1000,
      graceMs: config.offlineGraceS * 1000,
      resumeGapMs: config.resumeGapS * 1000,
      fleetHoldMs: config.fleetSilenceHoldS * 1000,
    });
  }

  start(ctx: CollectorContext): Promise<void> {
    this.#started ??= this.#start(ctx);
    return this.#started;
  }

  async #start(ctx: CollectorContext): Promise<void> {
    this.#ctx = ctx;
    this.alerts = new AlertBook(ctx, this.newId);
    this.#silentBox = new SilentBoxWatch(this.alerts, this.config.silenceS * 1000);
    const now = ctx.clock.now();
    this.tracker.linkUp(now);
    this.#lastCheckpoint = vnDayStart(now);
    // InfluxDB down at start must not stop the collector: run, and retry the rebuild on each sweep
    await this.#restore(ctx);
    this.#schedule();
  }

  #restored = false;

  async #restore(ctx: CollectorContext): Promise<void> {
    const now = ctx.clock.now();
    try {
      await this.alerts!.restore();
      const stored = await loadPresence(ctx.influx, ctx.database, now);
      const seeds: IPoint[] = [];
      for (const [id, entry] of ctx.registry.devices) {
        if (this.tracker.get(id)) continue; // heard live since start: that is newer than anything stored
        const s = stored.get(id);
        if (s) this.tracker.restore(id, s.online, s.at, s.lastSeen);
        if (s?.lastBeat && !this.#lastBeat.has(id)) this.#lastBeat.set(id, s.lastBeat);
        if (!s) {
          // never reported: down, and a series exists so dashboards show it as down, not missing
          this.tracker.restore(id, false, now, null);
          seeds.push(presencePoint(ctx.registry.deviceTags(entry), { online: false, at: now, source: 'registered' }));
        }
      }
      seeds.push(...(await this.#repairCheckpoint(ctx, now)));
      this.#restored = true;
      if (seeds.length) await ctx.write(seeds);
      ctx.log.info({ devices: ctx.registry.devices.size, restored: stored.size }, 'presence restored');
    } catch (err) {
      this.counters.restoreFailed++;
      ctx.log.error({ err, code: 'PRESENCE_RESTORE_FAILED' }, 'presence not restored from InfluxDB; retrying on the next sweep');
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#sweeping;
  }

  /** The collector's MQTT client (re)connected: silence deadlines and held wills restart from now. */
  linkUp(at: number): void {
    this.tracker.linkUp(at);
  }

  #schedule(): void {
    const ctx = this.#ctx!;
    this.#timer = ctx.clock.setTimeout(() => {
      void this.sweep().finally(() => {
        if (this.#timer) this.#schedule();
      });
    }, this.config.sweepS * 1000);
  }

  /** One sweep: silence verdicts, checkpoints, offline / camera / silent-box alerts. Never throws. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx || !this.alerts) return;
    if (!this.#restored) await this.#restore(ctx);
    if (!this.#restored) return;
    const now = ctx.clock.now();
    try {
      const transitions = this.tracker.sweep(now);
      await ctx.write([...transitions.flatMap((t) => this.#transitionPoints(ctx, t)), ...this.#checkpoints(ctx, now)]);
      const events = [...transitions.flatMap((t) => this.#alertFor(t, now)), ...this.#offlineAlerts(now), ...this.#cameraAlerts(now)];
      if (this.config.silentBox) events.push(...(await this.#silentBox!.check(ctx, ctx.registry, now)));
      await this.alerts.emit(events);
    } catch (err) {
      this.counters.sweepFailed++;
      ctx.log.error({ err }, 'presence sweep failed');
    }
  }

  onAvailability(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    if (msg.channel !== 'availability') return { reject: 'wrong-channel', detail: msg.channel };
    const t = this.tracker.availability(msg.deviceId, msg.payload.state, msg.receivedAt, msg.retained === true);
    return this.#withAlerts(t ? this.#transitionPoints(ctx, t) : [], t ? this.#alertFor(t, msg.receivedAt) : []);
  }

  onState(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    if (msg.channel !== 'state') return { reject: 'wrong-channel', detail: msg.channel };
    // a retained replay is an old heartbeat already stored (or from a device now dead): neither state nor life.
    // Without the retain flag, a heartbeat not newer than the last one (same boot, uptime not larger) is a replay too.
    if (msg.retained === true || this.#isReplay(msg.deviceId, msg.payload.boot, msg.payload.uptimeS)) {
      this.counters.stateReplays++;
      this.tracker.heartbeat(msg.deviceId, msg.receivedAt, true);
      return { points: [] };
    }
    this.#lastBeat.set(msg.deviceId, { boot: msg.payload.boot, uptimeS: msg.payload.uptimeS });
    const tags = ctx.registry.deviceTags(msg.entry);
    const points = [statePoint(tags, msg.payload, msg.receivedAt)];
    const t = this.tracker.heartbeat(msg.deviceId, msg.receivedAt, false);
    if (t) points.push(...this.#transitionPoints(ctx, t));
    return this.#withAlerts(points, t ? this.#alertFor(t, msg.receivedAt) : []);
  }

  readonly #lastBeat = new Map<string, { boot: string; uptimeS: number }>();

  #isReplay(device: string, boot: string, uptimeS: number): boolean {
    const last = this.#lastBeat.get(device);
    return !!last && last.boot === boot && uptimeS <= last.uptimeS;
  }

  onCamera(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    if (msg.channel !== 'camera') return { reject: 'wrong-channel', detail: msg.channel };
    const { camera, up } = msg.payload;
    const known = ctx.registry.cameras.get(camera);
    if (!known || known.counter.id !== msg.entry.counter?.id) {
      this.counters.cameraUnknown++;
      return { reject: 'camera-unknown', detail: `camera ${camera} is not registered at this box's counter` };
    }
    const point = cameraPoint(ctx.registry.deviceTags(msg.entry), msg.payload, msg.receivedAt);
    const cameBack = this.cameras.probe(msg.deviceId, camera, up, msg.receivedAt);
    const rec = cameBack
      ? this.alerts?.recover({ device: msg.deviceId, kind: 'camera-down', subject: camera }, msg.receivedAt, `Camera ${deviceLabel(ctx.registry, camera)} đã hoạt động trở lại.`)
      : null;
    return this.#withAlerts([point], rec ? [rec] : []);
  }

  #withAlerts(points: IPoint[], events: AlertEvent[]): HandleResult {
    if (events.length) this.alerts!.announce(events);
    return { points: [...points, ...events.map((e) => e.point)] };
  }

  #transitionPoints(ctx: CollectorContext, t: Transition): IPoint[] {
    const entry = ctx.registry.device(t.device);
    const tags = entry ? ctx.registry.deviceTags(entry) : { device: t.device };
    const points = [presencePoint(tags, t)];
    // a silence verdict dated before today's checkpoint overwrites that checkpoint (same series and instant)
    if (!t.online && t.at < this.#lastCheckpoint && this.#checkpointed.has(t.device)) {
      points.push(presencePoint(tags, { online: false, at: this.#lastCheckpoint, source: 'checkpoint' }));
    }
    return points;
  }

  readonly #checkpointed = new Set<string>();

  /**
   * Dashboards' uptime query cannot see before its range (InfluxDB applies the outer time range to subqueries),
   * so every Vietnam midnight needs a checkpoint. A collector that was not running at today's midnight writes
   * it at start from the stored state; a silence verdict dated earlier overwrites it (#transitionPoints).
   */
  async #repairCheckpoint(ctx: CollectorContext, now: number): Promise<IPoint[]> {
    const midnight = vnDayStart(now);
    const states = await loadStateAt(ctx.influx, ctx.database, midnight);
    const points: IPoint[] = [];
    for (const [id, s] of states) {
      const entry = ctx.registry.device(id);
      if (!entry) continue;
      this.#checkpointed.add(id);
      if (!s.exact) points.push(presencePoint(ctx.registry.deviceTags(entry), { online: s.online, at: midnight, source: 'checkpoint' }));
    }
    return points;
  }

  /** At each Vietnam midnight, every known device's state: dashboards' queries need look back one day only. */
  #checkpoints(ctx: CollectorContext, now: number): IPoint[] {
    const day = vnDayStart(now);
    if (day <= this.#lastCheckpoint) return [];
    this.#lastCheckpoint = day;
    this.#checkpointed.clear();
    const points: IPoint[] = [];
    for (const [id, d] of this.tracker.devices()) {
      const entry = ctx.registry.device(id);
      if (!entry || d.online === null) continue;
      this.#checkpointed.add(id);
      points.push(presencePoint(ctx.registry.deviceTags(entry), { online: d.online, at: day, source: 'checkpoint' }));
    }
    return points;
  }

  #alertFor(t: Transition, now: number): AlertEvent[] {
    if (!t.online || !this.alerts) return [];
    const e = this.alerts.recover({ device: t.device, kind: 'offline' }, now, `Thiết bị ${deviceLabel(this.#ctx?.registry, t.device)} đã trực tuyến trở lại.`);
    return e ? [e] : [];
  }

  #offlineAlerts(now: number): AlertEvent[] {
    const threshold = this.config.offlineAlertAfterS * 1000;
    const out: AlertEvent[] = [];
    for (const [id, d] of this.tracker.devices()) {
      if (d.online !== false || now - d.since < threshold) continue;
      const minutes = Math.round((now - d.since) / 60_000);
      const label = deviceLabel(this.#ctx?.registry, id);
      const text = d.lastSeen === null ? `Thiết bị ${label} chưa kết nối lần nào (đã ${minutes} phút).` : `Thiết bị ${label} mất kết nối đã ${minutes} phút.`;
      const e = this.alerts!.raise({ device: id, kind: 'offline' }, now, text, d.since);
      if (e) out.push(e);
    }
    return out;
  }

  #cameraAlerts(now: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const c of this.cameras.overdue(now, this.config.cameraAlertAfterS * 1000)) {
      if (this.tracker.get(c.device)?.online !== true) continue; // box offline: the camera's state is unknown
      const e = this.alerts!.raise({ device: c.device, kind: 'camera-down', subject: c.camera }, now, `Camera ${deviceLabel(this.#ctx?.registry, c.camera)} không phản hồi.`, c.since);
      if (e) out.push(e);
    }
    return out;
  }
}
