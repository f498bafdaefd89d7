import { randomUUID } from 'node:crypto';
import type { IPoint } from 'influx';
import { encode, type AlertKind, type AlertPayload } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import type { CollectorContext } from '../extension.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';

/**
 * The alert book: at most one open alert per (device, kind, subject). Raising an open alert or recovering a
 * closed one does nothing, so timers and replays cannot repeat an alert. The book is rebuilt from the alert
 * measurement on collector start, so a restart neither repeats nor forgets an alert.
 *
 * Stored as measurement `alert`: tags = the device's registry tags + alert (kind), state (raised|recovered),
 * subject (camera id / half-day; absent otherwise); fields = id, incident, message, since (ISO), open (1|0).
 */
export type AlertKey = { device: string; kind: AlertKind; subject?: string };
export type AlertEvent = { key: AlertKey; point: IPoint; payload: AlertPayload };
type Open = { id: string; since?: number };

export function alertKey(k: AlertKey): string {
  return `${k.device}|${k.kind}|${k.subject ?? ''}`;
}

export class AlertBook {
  readonly #open = new Map<string, Open>();
  readonly #everRaised = new Set<string>();
  readonly counters = { raised: 0, recovered: 0, publishFailed: 0, writeFailed: 0 };

  constructor(
    readonly ctx: CollectorContext,
    readonly newId: () => string = randomUUID,
  ) {}

  /** Rebuild open alerts from InfluxDB: the last alert point per (device, kind, subject). */
  async restore(): Promise<void> {
    const rows = await this.ctx.query<{
      device: string;
      alert: string;
      subject: string;
      open: number;
      id: string;
      since: string | null;
    }>(
      `SELECT last("open") AS "open", "id", "since" FROM "${MEASUREMENTS.alert}" GROUP BY "device", "alert", "subject"`,
    );
    for (const r of rows) {
      const key = alertKey({ device: r.device, kind: r.alert as AlertKind, subject: r.subject || undefined });
      this.#everRaised.add(key);
      if (r.open === 1) this.#open.set(key, { id: r.id, since: r.since ? Date.parse(r.since) : undefined });
    }
  }

  isOpen(key: AlertKey): boolean {
    return this.#open.has(alertKey(key));
  }

  /** Was this (device, kind, subject) ever raised (e.g. this half-day's silent-box)? */
  wasRaised(key: AlertKey): boolean {
    return this.#everRaised.has(alertKey(key));
  }

  openKeys(): AlertKey[] {
    return [...this.#open.keys()].map((k) => {
      const [device, kind, subject] = k.split('|');
      return { device, kind: kind as AlertKind, subject: subject || undefined };
    });
  }

  raise(key: AlertKey, at: number, message: string, since?: number): AlertEvent | null {
    const k = alertKey(key);
    if (this.#open.has(k)) return null;
    const id = this.newId();
    this.#open.set(k, { id, since });
    this.#everRaised.add(k);
    this.counters.raised++;
    return this.#event(key, { id, state: 'raised', at, message, since });
  }

  recover(key: AlertKey, at: number, message: string): AlertEvent | null {
    const k = alertKey(key);
    const open = this.#open.get(k);
    if (!open) return null;
    this.#open.delete(k);
    this.counters.recovered++;
    return this.#event(key, {
      id: this.newId(),
      state: 'recovered',
      at,
      message,
      since: open.since,
      incident: open.id,
    });
  }

  /** Store (durably, first) then announce on tt/v1/<device>/alert. Never throws. */
  async emit(events: AlertEvent[]): Promise<void> {
    if (!events.length) return;
    try {
      await this.ctx.write(events.map((e) => e.point));
    } catch (err) {
      this.counters.writeFailed++;
      this.ctx.log.error({ err, code: 'ALERT_WRITE_FAILED' }, 'alert write failed');
    }
    this.announce(events);
  }

  /** Publish without storing (the points travel with a handle() result). Fire and forget: ctx.publish is bounded. */
  announce(events: AlertEvent[]): void {
    for (const e of events) {
      this.ctx.publish(topicFor(e.key.device, 'alert'), encode('alert', e.payload)).catch((err) => {
        this.counters.publishFailed++;
        this.ctx.log.warn(
          { err, code: 'ALERT_PUBLISH_FAILED', device: e.key.device, kind: e.key.kind },
          'alert publish failed',
        );
      });
    }
  }

  #event(
    key: AlertKey,
    a: { id: string; state: 'raised' | 'recovered'; at: number; message: string; since?: number; incident?: string },
  ): AlertEvent {
    const payload: AlertPayload = {
      v: 1,
      id: a.id,
      kind: key.kind,
      state: a.state,
      at: new Date(a.at).toISOString(),
      message: a.message.slice(0, 500),
      ...(key.subject ? { subject: key.subject } : {}),
      ...(a.incident ? { incident: a.incident } : {}),
      ...(a.since !== undefined ? { since: new Date(a.since).toISOString() } : {}),
    };
    const entry = this.ctx.registry.device(key.device);
    const tags: Record<string, string> = {
      ...(entry ? this.ctx.registry.deviceTags(entry) : { device: key.device }),
      alert: key.kind,
      state: a.state,
      ...(key.subject ? { subject: key.subject } : {}),
    };
    const point: IPoint = {
      measurement: MEASUREMENTS.alert,
      tags,
      fields: {
        id: a.id,
        incident: a.incident ?? a.id,
        message: payload.message,
        since: payload.since ?? '',
        open: a.state === 'raised' ? 1 : 0,
      },
      timestamp: new Date(a.at),
    };
    return { key, point, payload };
  }
}
