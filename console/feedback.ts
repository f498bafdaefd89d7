import { decode, type BroadcastLogPayload, type ScheduleStatusPayload } from '../devices/contract/index.ts';
import { areaTopic, channelFilter, ISSUER_CHANNELS } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import type { Area } from './area.ts';
import type { Store } from './store/index.ts';

export interface MqttSubscribe {
  readonly connected: boolean;
  subscribe(topics: string[], opts: { qos: 1 }, cb: (err: Error | null) => void): unknown;
  on(event: 'message', fn: (topic: string, payload: Buffer) => void): unknown;
  on(event: 'connect', fn: () => void): unknown;
}

export type FeedbackStats = {
  logs: number;
  duplicates: number;
  statuses: number;
  subscribeFailures: number;
  dropped: Record<string, number>;
  /** speakers' refusals of the area orders (stop, emergency), by reason */
  areaRefusals: Record<string, number>;
};

/**
 * What the speakers say back: broadcast-log (played / failed / skipped / missed per occurrence) and
 * schedule-status (accepted / refused and why). Bad or foreign messages are counted, never thrown.
 */
export class Feedback {
  readonly stats: FeedbackStats = {
    logs: 0,
    duplicates: 0,
    statuses: 0,
    subscribeFailures: 0,
    dropped: {},
    areaRefusals: {},
  };

  constructor(
    private readonly deps: {
      store: Store;
      area: Area;
      clock: Clock;
      log: Logger;
      onNewerVersion(commune: string): void;
      onStatus?(speaker: string, p: ScheduleStatusPayload): void;
      /** a verdict on an area order (its topic): a refusal of an older one is answered with the latest */
      onAreaStatus?(topic: string, p: ScheduleStatusPayload): void;
    },
  ) {}

  /**
   * Subscribes on every connect: mqtt.js (MQTT 3.1.1, clean: false) does not resubscribe by itself, and a
   * broker that lost our session, or a first subscribe cut by a disconnect, would leave the console deaf.
   * Resolves on the first granted subscription.
   */
  subscribe(mqtt: MqttSubscribe): Promise<void> {
    mqtt.on('message', (topic, payload) => this.handle(topic, payload));
    return new Promise((resolve) => {
      const attempt = () =>
        mqtt.subscribe([channelFilter('broadcast-log'), channelFilter('schedule-status')], { qos: 1 }, (err) => {
          if (!err) return resolve();
          this.stats.subscribeFailures++;
          this.deps.log.warn(
            { err: err.message },
            'subscription to speaker feedback failed; retried on the next connect',
          );
        });
      mqtt.on('connect', attempt);
      if (mqtt.connected) attempt();
    });
  }

  /**
   * Queued, and written in the next turn of the event loop in one transaction: a province's speakers report a stop
   * or an emergency at the same moment, and a transaction each (a sync of the database's log each) held the
   * console's event loop while it should serve their audio. A message that fails to store is counted, the others kept.
   */
  handle(topic: string, bytes: Buffer): void {
    // retained schedules are watched by the retained guard, not feedback
    if (topic.endsWith('/schedule')) return;
    this.#queued.push({ topic, bytes });
    if (this.#queued.length === 1) setImmediate(() => this.#flush());
  }

  #queued: { topic: string; bytes: Buffer }[] = [];

  #flush(): void {
    const batch = this.#queued;
    this.#queued = [];
    try {
      this.deps.store.tx(() => {
        for (const m of batch) {
          try {
            this.deps.store.tx(() => this.#handleNow(m.topic, m.bytes));
          } catch (err) {
            this.#drop('store-error');
            this.deps.log.error({ err }, 'speaker feedback not stored');
          }
        }
      });
    } catch (err) {
      // the database is gone (the console is closing): the batch is dropped, counted
      for (const _ of batch) this.#drop('store-error');
      this.deps.log.error({ err, messages: batch.length }, 'speaker feedback not stored');
    }
  }

  #handleNow(topic: string, bytes: Buffer): void {
    const msg = decode(topic, bytes);
    if (!msg.ok) return this.#drop(msg.error);
    const speaker = this.deps.area.speaker(msg.deviceId);
    if (!speaker) return this.#drop('unknown-speaker');
    if (msg.channel === 'broadcast-log') this.log(speaker.id, speaker.hamlet, msg.payload);
    else if (msg.channel === 'schedule-status') this.#status(speaker.id, speaker.commune, msg.payload);
  }

  /** also used by the InfluxDB reader: the log id makes a log from both sources count once */
  log(speaker: string, hamlet: string | null, p: BroadcastLogPayload): void {
    const fresh = this.deps.store.deliveries.add(
      {
        id: p.id,
        announcement: p.announcement,
        speaker,
        hamlet,
        occurrence: p.occurrence,
        outcome: p.outcome,
        reason: p.reason ?? null,
        startedAt: p.startedAt ?? null,
        endedAt: p.endedAt ?? null,
      },
      new Date(this.deps.clock.now()).toISOString(),
    );
    if (fresh) this.stats.logs++;
    else this.stats.duplicates++;
  }

  #status(speaker: string, commune: string, p: ScheduleStatusPayload): void {
    this.stats.statuses++;
    // one commit per status: a whole province answering a stop at once must not stall the console on its disk
    this.deps.store.tx(() => this.#recordStatus(speaker, commune, p));
  }

  #recordStatus(speaker: string, commune: string, p: ScheduleStatusPayload): void {
    const at = p.at ?? new Date(this.deps.clock.now()).toISOString();
    this.deps.store.speakerDocs.recordSeen(speaker, new Date(this.deps.clock.now()).toISOString(), p.stopped);
    if (p.area) return this.#areaStatus(speaker, commune, p, p.area);
    // a verdict about a document from above the commune goes to that issuer's row; `actives` updates every issuer
    for (const level of ['district', 'province'] as const) {
      const channel = ISSUER_CHANNELS[level];
      if (p.issuer === level)
        this.deps.store.speakerDocs.recordStatus(speaker, channel, {
          status: p.status,
          active: p.actives?.[level] ?? p.received ?? 0,
          reason: p.reason ?? null,
          at,
        });
      else if (p.actives?.[level] !== undefined)
        this.deps.store.speakerDocs.recordStatus(speaker, channel, { active: p.actives[level]!, at });
    }
    if (p.issuer && p.issuer !== 'commune') return;
    const known = this.deps.store.speakers.get(speaker)?.version ?? 0;
    this.deps.store.speakers.recordStatus(speaker, {
      status: p.status,
      active: p.active,
      reason: p.reason ?? null,
      at,
    });
    // the speaker runs a version we never issued (console data restored from an old backup): jump past it
    if (p.active > known) this.deps.onNewerVersion(commune);
    this.deps.onStatus?.(speaker, p);
  }

  /** a verdict on an area order is not one on the speaker's documents: counted, logged, the order re-asserted */
  #areaStatus(speaker: string, commune: string, p: ScheduleStatusPayload, kind: 'stop' | 'emergency'): void {
    const level = p.issuer ?? 'commune';
    if (p.status === 'refused') {
      const key = `${kind}:${p.reason ?? 'unknown'}`;
      this.stats.areaRefusals[key] = (this.stats.areaRefusals[key] ?? 0) + 1;
      this.deps.log.warn({ speaker, area: kind, issuer: level, reason: p.reason }, 'speaker refused an area order');
    }
    const unit =
      level === 'province'
        ? this.deps.area.provinceOf(commune)?.code
        : level === 'district'
          ? this.deps.area.districtOf(commune)?.code
          : commune;
    if (unit) this.deps.onAreaStatus?.(areaTopic(kind, level, unit), p);
  }

  #drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    this.deps.log.debug({ reason }, 'speaker message dropped');
  }
}
