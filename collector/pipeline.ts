import type { IPoint } from 'influx';
import { decode } from '../devices/contract/index.ts';
import type { Registry } from '../devices/registry/index.ts';
import { channelAllowedFor, isChannel, type Channel } from '../devices/topics.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { brokerRefusalPoints, isBrokerRefusalsTopic } from './broker-refusals.ts';
import { REFUSALS, type RefusalReason } from './errors.ts';
import type { CollectorContext, CollectorExtension, InboundMessage } from './extension.ts';
import { bestEffortId, rejectionPoint } from './rejection.ts';
import type { CollectorStats } from './stats.ts';
import type { AckRef, DurableStore } from './store.ts';

export type PipelineDeps = {
  registry: Registry;
  clock: Clock;
  log: Logger;
  stats: CollectorStats;
  store: DurableStore;
  encode(point: IPoint): string;
  extensions: readonly CollectorExtension[];
  ctx: CollectorContext;
};

type Refused = {
  reason: RefusalReason;
  detail: string;
  topic: string;
  channel?: string;
  deviceId?: string;
  /** the device is in the registry */
  known: boolean;
  /** the message's id, acknowledged when the reason says so (errors.ts REFUSALS) */
  id?: string;
};

/**
 * One inbound message: decode → registry → extension → batch. Never throws: every refusal is
 * counted, stored as a 'rejection' point and logged at debug level; whether a refused message is
 * acknowledged is its reason's (errors.ts REFUSALS).
 */
export class Pipeline {
  readonly #byChannel = new Map<Channel, CollectorExtension>();
  #rejectionSeq = 0;

  constructor(readonly deps: PipelineDeps) {
    for (const ext of deps.extensions) for (const c of ext.channels) this.#byChannel.set(c, ext);
  }

  get channels(): Channel[] {
    return [...this.#byChannel.keys()];
  }

  ingest(topic: string, bytes: Buffer, retained = false): void {
    const { stats, registry } = this.deps;
    stats.received++;
    const receivedAt = this.deps.clock.now();
    if (isBrokerRefusalsTopic(topic)) return this.#brokerRefusals(topic, bytes, receivedAt);
    const d = decode(topic, bytes);
    if (!d.ok) {
      const known = !!(d.deviceId && registry.device(d.deviceId));
      const channel = d.channel ?? topicChannel(topic);
      return this.#refuse(
        { reason: d.error, detail: d.detail, topic, channel, deviceId: d.deviceId, known, id: bestEffortId(bytes) },
        receivedAt,
      );
    }
    const entry = registry.device(d.deviceId);
    const base = { topic, channel: d.channel, deviceId: d.deviceId };
    if (!entry)
      return this.#refuse(
        { ...base, reason: 'unknown-device', detail: `device ${d.deviceId} not in the registry`, known: false },
        receivedAt,
      );
    const id = payloadId(d.payload);
    if (!channelAllowedFor(d.channel, entry.device.kind)) {
      return this.#refuse(
        {
          ...base,
          reason: 'channel-not-allowed',
          detail: `${entry.device.kind} may not publish ${d.channel}`,
          known: true,
          id,
        },
        receivedAt,
      );
    }
    const ext = this.#byChannel.get(d.channel);
    if (!ext)
      return this.#refuse(
        { ...base, reason: 'no-extension', detail: `no extension handles ${d.channel}`, known: true },
        receivedAt,
      );
    const msg = { ...d, entry, receivedAt, retained } as InboundMessage;
    // biome-ignore lint/suspicious/noImplicitAnyLet: an extension returns a result or a promise of one, narrowed below
    let result;
    try {
      result = ext.handle(msg, this.deps.ctx);
    } catch (err) {
      stats.extensionErrors++;
      this.deps.log.error(
        { err, code: 'EXTENSION_FAILED', extension: ext.name, topic },
        'extension failed on a message',
      );
      return this.#refuse(
        { ...base, reason: 'extension-error', detail: `${ext.name}: ${(err as Error).message}`, known: true },
        receivedAt,
      );
    }
    if ('reject' in result)
      return this.#refuse({ ...base, reason: result.reject, detail: result.detail, known: true, id }, receivedAt);
    let lines: string[];
    try {
      lines = result.points.map((p) => this.deps.encode(p));
    } catch (err) {
      return this.#refuse(
        { ...base, reason: 'point-invalid', detail: `${ext.name}: ${(err as Error).message}`, known: true },
        receivedAt,
      );
    }
    const ack: AckRef | undefined = result.ackId ? { deviceId: d.deviceId, id: result.ackId } : undefined;
    if (lines.length || ack) void this.deps.store.add(lines, ack);
  }

  #brokerRefusals(topic: string, bytes: Buffer, receivedAt: number): void {
    const r = brokerRefusalPoints(topic, bytes);
    if (!r.ok)
      return this.#refuse(
        { reason: 'broker-refusals-invalid', detail: r.detail, topic, channel: '$SYS', known: false },
        receivedAt,
      );
    void this.deps.store.add(r.points.map((p) => this.deps.encode(p)));
  }

  #refuse(r: Refused, receivedAt: number): void {
    const { stats, log } = this.deps;
    stats.rejected[r.reason] = (stats.rejected[r.reason] ?? 0) + 1;
    const device = r.known && r.deviceId ? r.deviceId : 'unknown';
    log.debug({ reason: r.reason, topic: r.topic.slice(0, 200), detail: r.detail.slice(0, 200) }, 'message refused');
    const point = rejectionPoint(
      { reason: r.reason, channel: r.channel ?? 'unknown', device, detail: r.detail, topic: r.topic },
      receivedAt,
      this.#rejectionSeq++,
    );
    const ack =
      REFUSALS[r.reason].acknowledged && r.id && r.known && r.deviceId ? { deviceId: r.deviceId, id: r.id } : undefined;
    void this.deps.store.add([this.deps.encode(point)], ack);
  }
}

function payloadId(payload: unknown): string | undefined {
  const id = (payload as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/** The channel segment of a topic that failed to parse for another reason (e.g. a bad device id). */
function topicChannel(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length === 4 && isChannel(parts[3]) ? parts[3] : undefined;
}
