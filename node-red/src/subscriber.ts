import { channelFilter, type Channel } from '../../devices/topics.ts';
import { cleanArea, hasArea, areaLabel, type AreaFilter } from './area.ts';
import { configOf, type ConfigNode } from './config-node.ts';
import type { ConnectionState } from './status.ts';
import { connectionStatus, countsText } from './status.ts';
import type { NodeMessage, RedApi, RedNode } from './red.ts';

/** Editor properties shared by the subscribing nodes. */
export type SubscriberProps = {
  name?: string;
  config?: string;
  province?: string;
  district?: string;
  commune?: string;
};

export type Counts = Record<string, number>;

export type Subscriber = {
  config: ConfigNode;
  area: AreaFilter;
  counts: Counts;
  /** send a good message on output 1 */
  pass(msg: NodeMessage): void;
  /** send a refused message on output 2 with a coded reason; counted */
  refuse(topic: string, reason: string, detail: string, extra?: Record<string, unknown>): void;
  refresh(): void;
};

const COUNT_LABELS: Record<string, string> = { passed: 'tin', refused: 'lỗi', duplicate: 'trùng' };

/**
 * Wire a node to its config node's shared connection: subscribe to the channels, mirror the connection
 * state in the node status (with the node's counters), and unsubscribe on close.
 * Returns undefined (and shows why) when the node cannot work: no config node, unusable registry.
 */
export function attachSubscriber(
  RED: RedApi,
  node: RedNode,
  props: SubscriberProps,
  channels: Channel[],
  onMessage: (sub: Subscriber, topic: string, payload: Buffer, retained: boolean) => void,
): Subscriber | undefined {
  const config = configOf(RED, props.config);
  if (!config) {
    node.status({ fill: 'red', shape: 'dot', text: 'chưa chọn cấu hình kết nối' });
    return undefined;
  }
  const area = cleanArea(props);
  // a filter that cannot be applied stays visible in the status (every message is then refused, counted)
  let problem: string | undefined;
  if (hasArea(area) && !config.registry) {
    problem = config.registryError ? 'sổ đăng ký lỗi' : `lọc theo ${areaLabel(area)} cần sổ đăng ký thiết bị`;
    node.error(config.registryError ?? problem);
  }
  let state: ConnectionState = config.connection.state;
  let detail: string | undefined;
  const counts: Counts = { passed: 0, refused: 0, duplicate: 0 };
  const refresh = () => {
    const extra = countsText(counts, COUNT_LABELS);
    if (problem) return node.status({ fill: 'red', shape: 'dot', text: [problem, extra].filter(Boolean).join(' · ') });
    node.status(connectionStatus(state, state === 'connected' ? extra || undefined : detail));
  };
  const sub: Subscriber = {
    config,
    area,
    counts,
    pass(msg) {
      counts.passed++;
      node.send([msg, null]);
      refresh();
    },
    refuse(topic, reason, why, extra = {}) {
      counts.refused++;
      node.send([null, { topic, payload: { reason, detail: why, ...extra } }]);
      refresh();
    },
    refresh,
  };
  const offState = config.connection.onState((s, d) => {
    state = s;
    detail = d;
    refresh();
  });
  const offs = channels.map((channel) =>
    config.connection.subscribe(channelFilter(channel), (topic, payload, retained) => {
      try {
        onMessage(sub, topic, payload, retained);
      } catch (err) {
        // a bug of ours must not silently lose the message: report it and count it
        node.error(err);
        sub.refuse(topic, 'node-error', String((err as Error)?.message ?? err).slice(0, 200));
      }
    }),
  );
  node.on('close', (_removed, done) => {
    offState();
    for (const off of offs) off();
    done();
  });
  return sub;
}

/** A bounded memory of recent ids: QoS 1 and device outbox replays may deliver one event twice. */
export class RecentIds {
  readonly #ids = new Set<string>();
  constructor(readonly capacity = 10_000) {}

  /** true when the id was seen already */
  seen(id: string): boolean {
    if (this.#ids.has(id)) return true;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value as string);
    return false;
  }
}
