import type { IPoint } from 'influx';
import { deviceLabel } from '../../devices/registry/labels.ts';
import type { CollectorContext, CollectorExtension, HandleResult, InboundMessage, InboundOn } from '../extension.ts';
import { AlertBook, type AlertEvent } from './alerts.ts';
import { CameraWatch, cameraPoint } from './camera.ts';
import { MidnightCheckpoints } from './checkpoints.ts';
import type { PresenceConfig } from './config.ts';
import { HeartbeatLog, statePoint } from './device-state.ts';
import { PRESENCE_SCHEMAS } from './schema.ts';
import { SilentBoxWatch } from './silent-box.ts';
import { loadPresence, presencePoint } from './store.ts';
import { PresenceTracker, type Transition } from './tracker.ts';

/**
 * Presence as one collector extension over three channels: availability (retained, the last will) and
 * heartbeats (state, stored as device_state) move the tracker; camera probes are stored as camera_status and
 * watched for camera-down alerts. A sweep timer turns silence into offline verdicts, writes the midnight
 * checkpoints and raises offline, camera-down and silent-box alerts. In-memory state is rebuilt from the store
 * on start (retried on each sweep while the store cannot be read).
 */
export class PresenceService implements CollectorExtension {
  readonly name = 'presence';
  readonly channels = ['availability', 'state', 'camera'] as const;
  readonly schema = PRESENCE_SCHEMAS;
  readonly tracker: PresenceTracker;
  readonly cameras = new CameraWatch();
  readonly counters = { sweepFailed: 0, cameraUnknown: 0, restoreFailed: 0, stateReplays: 0 };
  alerts?: AlertBook;
  readonly #beats = new HeartbeatLog();
  readonly #checkpoints = new MidnightCheckpoints();
  #silentBox?: SilentBoxWatch;
  #ctx?: CollectorContext;
  #restored = false;
  #timer?: { cancel(): void };
  #sweeping?: Promise<void>;

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

  async start(ctx: CollectorContext): Promise<void> {
    this.#ctx = ctx;
    this.alerts = new AlertBook(ctx, this.newId);
    this.#silentBox = new SilentBoxWatch(this.alerts, this.config.silenceS * 1000);
    const now = ctx.clock.now();
    this.tracker.linkUp(now);
    this.#checkpoints.begin(now);
    await this.#restore(ctx);
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#sweeping;
  }

  /** The collector's MQTT client (re)connected: silence deadlines and held wills restart from now. */
  onBrokerConnect(at: number): void {
    this.tracker.linkUp(at);
  }

  handle(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    switch (msg.channel) {
      case 'availability':
        return this.#onAvailability(msg, ctx);
      case 'state':
        return this.#onState(msg, ctx);
      case 'camera':
        return this.#onCamera(msg, ctx);
      default:
        return { reject: 'wrong-channel', detail: `presence got ${msg.channel}` };
    }
  }

  /** One sweep: silence verdicts, checkpoints, offline / camera / silent-box alerts. Never throws. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #restore(ctx: CollectorContext): Promise<void> {
    const now = ctx.clock.now();
    try {
      await this.alerts!.restore();
      const seeds = await this.#seedTracker(ctx, now);
      seeds.push(...(await this.#checkpoints.repair(ctx, now)));
      this.#restored = true;
      if (seeds.length) await ctx.write(seeds);
    } catch (err) {
      this.counters.restoreFailed++;
      ctx.log.error(
        { err, code: 'PRESENCE_RESTORE_FAILED' },
        'presence not restored from InfluxDB; retrying on the next sweep',
      );
    }
  }

  /** Every registered device from its stored presence; points for those that never reported (seeded down). */
  async #seedTracker(ctx: CollectorContext, now: number): Promise<IPoint[]> {
    const stored = await loadPresence(ctx.query, now);
    const seeds: IPoint[] = [];
    for (const [id, entry] of ctx.registry.devices) {
      if (this.tracker.get(id)) continue; // heard live since start: that is newer than anything stored
      const s = stored.get(id);
      if (s?.lastBeat && !this.#beats.has(id)) this.#beats.record(id, s.lastBeat);
      if (s) {
        this.tracker.restore(id, s.online, s.at, s.lastSeen);
        continue;
      }
      // never reported: down, and a series exists so dashboards show it as down, not missing
      this.tracker.restore(id, false, now, null);
      seeds.push(presencePoint(ctx.registry.deviceTags(entry), { online: false, at: now, source: 'registered' }));
    }
    ctx.log.info({ devices: ctx.registry.devices.size, restored: stored.size }, 'presence restored');
    return seeds;
  }

  #schedule(): void {
    this.#timer = this.#ctx!.clock.setTimeout(() => {
      void this.sweep().finally(() => {
        if (this.#timer) this.#schedule();
      });
    }, this.config.sweepS * 1000);
  }

  async #sweep(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx || !this.alerts) return;
    if (!this.#restored) await this.#restore(ctx);
    if (!this.#restored) return;
    const now = ctx.clock.now();
    try {
      const transitions = this.tracker.sweep(now);
      const checkpoints = this.#checkpoints.due(ctx, now, this.tracker.devices());
      await ctx.write([...transitions.flatMap((t) => this.#transitionPoints(ctx, t)), ...checkpoints]);
      const events = [
        ...transitions.flatMap((t) => this.#recovery(t, now)),
        ...this.#offlineAlerts(now),
        ...this.#cameraAlerts(now),
      ];
      if (this.config.silentBox) events.push(...(await this.#silentBox!.check(ctx, ctx.registry, now)));
      await this.alerts.emit(events);
    } catch (err) {
      this.counters.sweepFailed++;
      ctx.log.error({ err, code: 'PRESENCE_SWEEP_FAILED' }, 'presence sweep failed');
    }
  }

  #onAvailability(msg: InboundOn<'availability'>, ctx: CollectorContext): HandleResult {
    const t = this.tracker.availability(msg.deviceId, msg.payload.state, msg.receivedAt, msg.retained === true);
    return this.#withAlerts(t ? this.#transitionPoints(ctx, t) : [], t ? this.#recovery(t, msg.receivedAt) : []);
  }

  #onState(msg: InboundOn<'state'>, ctx: CollectorContext): HandleResult {
    const beat = { boot: msg.payload.boot, uptimeS: msg.payload.uptimeS };
    // a retained replay is an old heartbeat already stored (or from a device now dead): neither state nor life;
    // without the retain flag, a heartbeat not newer than the last one is a replay too
    if (msg.retained === true || this.#beats.isReplay(msg.deviceId, beat)) {
      this.counters.stateReplays++;
      this.tracker.heartbeat(msg.deviceId, msg.receivedAt, true);
      return { points: [] };
    }
    this.#beats.record(msg.deviceId, beat);
    const points = [statePoint(ctx.registry.deviceTags(msg.entry), msg.payload, msg.receivedAt)];
    const t = this.tracker.heartbeat(msg.deviceId, msg.receivedAt, false);
    if (t) points.push(...this.#transitionPoints(ctx, t));
    return this.#withAlerts(points, t ? this.#recovery(t, msg.receivedAt) : []);
  }

  #onCamera(msg: InboundOn<'camera'>, ctx: CollectorContext): HandleResult {
    const { camera, up } = msg.payload;
    const known = ctx.registry.cameras.get(camera);
    if (!known || known.counter.id !== msg.entry.counter?.id) {
      this.counters.cameraUnknown++;
      return { reject: 'camera-unknown', detail: `camera ${camera} is not registered at this box's counter` };
    }
    const point = cameraPoint(ctx.registry.deviceTags(msg.entry), msg.payload, msg.receivedAt);
    const cameBack = this.cameras.probe(msg.deviceId, camera, up, msg.receivedAt);
    const text = `Camera ${deviceLabel(ctx.registry, camera)} đã hoạt động trở lại.`;
    const rec = cameBack
      ? this.alerts?.recover({ device: msg.deviceId, kind: 'camera-down', subject: camera }, msg.receivedAt, text)
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
    return [presencePoint(tags, t), ...this.#checkpoints.overwrittenBy(t, tags)];
  }

  /** A device back online recovers its open offline alert. */
  #recovery(t: Transition, now: number): AlertEvent[] {
    if (!t.online || !this.alerts) return [];
    const text = `Thiết bị ${deviceLabel(this.#ctx?.registry, t.device)} đã trực tuyến trở lại.`;
    const e = this.alerts.recover({ device: t.device, kind: 'offline' }, now, text);
    return e ? [e] : [];
  }

  #offlineAlerts(now: number): AlertEvent[] {
    const threshold = this.config.offlineAlertAfterS * 1000;
    const out: AlertEvent[] = [];
    for (const [id, d] of this.tracker.devices()) {
      if (d.online !== false || now - d.since < threshold) continue;
      const minutes = Math.round((now - d.since) / 60_000);
      const label = deviceLabel(this.#ctx?.registry, id);
      const text =
        d.lastSeen === null
          ? `Thiết bị ${label} chưa kết nối lần nào (đã ${minutes} phút).`
          : `Thiết bị ${label} mất kết nối đã ${minutes} phút.`;
      const e = this.alerts!.raise({ device: id, kind: 'offline' }, now, text, d.since);
      if (e) out.push(e);
    }
    return out;
  }

  #cameraAlerts(now: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const c of this.cameras.overdue(now, this.config.cameraAlertAfterS * 1000)) {
      if (this.tracker.get(c.device)?.online !== true) continue; // box offline: the camera's state is unknown
      const text = `Camera ${deviceLabel(this.#ctx?.registry, c.camera)} không phản hồi.`;
      const e = this.alerts!.raise({ device: c.device, kind: 'camera-down', subject: c.camera }, now, text, c.since);
      if (e) out.push(e);
    }
    return out;
  }
}
