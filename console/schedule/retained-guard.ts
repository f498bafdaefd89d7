import type { ScheduleStatusPayload } from '../../devices/contract/broadcast.ts';
import { channelFilter, ISSUER_CHANNELS, parseTopic } from '../../devices/topics.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Store } from '../store/index.ts';

export interface MqttWatch {
  readonly connected: boolean;
  subscribe(topics: string[], opts: { qos: 1 }, cb: (err: Error | null) => void): unknown;
  on(event: 'message', fn: (topic: string, payload: Buffer) => void): unknown;
  on(event: 'connect', fn: () => void): unknown;
}

export type RetainedGuardStats = { connects: number; mismatches: number; refusals: number };

/** a refusal of the very document we hold is answered at most this often (the speaker may have a reason) */
const SAME_DOCUMENT_RETRY_MS = 10 * 60_000;

/**
 * Keeps the broker's retained schedule slots equal to the latest documents the console signed:
 * - on every connect (the first one included) it re-asserts them all: a broker restarted empty, or one that
 *   lost the retained store, gets them back although nothing changed in the console;
 * - it watches the retained schedule topics: a slot that holds anything else (a forged or stale document,
 *   even one published with the console's own credentials) is published over at once;
 * - a speaker's refusal of a document other than the latest is answered with the latest.
 */
export class RetainedGuard {
  readonly stats: RetainedGuardStats = { connects: 0, mismatches: 0, refusals: 0 };
  #repairing = new Set<string>();
  #lastRefusalRepair = new Map<string, number>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      log: Logger;
      reassert(commune: string, topics?: string[]): Promise<void>;
      reassertAll(): Promise<void>;
    },
  ) {}

  watch(mqtt: MqttWatch): void {
    mqtt.on('message', (topic, payload) => this.#seen(topic, payload));
    const onConnect = () => {
      this.stats.connects++;
      void this.deps.reassertAll();
      // every issuer's topic: the commune's, the district's and the province's documents are all the console's
      mqtt.subscribe(
        Object.values(ISSUER_CHANNELS).map((c) => channelFilter(c)),
        { qos: 1 },
        (err) => {
          if (err)
            this.deps.log.warn({ err: err.message }, 'watching retained schedules failed; retried on the next connect');
        },
      );
    };
    mqtt.on('connect', onConnect);
    if (mqtt.connected) onConnect();
  }

  /** a speaker's schedule-status */
  statusReported(speakerTopic: string, p: ScheduleStatusPayload): void {
    if (p.status !== 'refused') return;
    const held = this.deps.store.signedDocuments.get(speakerTopic);
    if (!held) return;
    this.stats.refusals++;
    if (p.received === held.version) {
      // it refused the latest one itself: sending it again at once would only loop
      const last = this.#lastRefusalRepair.get(speakerTopic) ?? 0;
      if (this.deps.clock.now() - last < SAME_DOCUMENT_RETRY_MS) return;
    }
    this.#lastRefusalRepair.set(speakerTopic, this.deps.clock.now());
    this.#repair(held.commune, speakerTopic, 'refused');
  }

  #seen(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed.ok || !(Object.values(ISSUER_CHANNELS) as string[]).includes(parsed.value.channel)) return;
    const held = this.deps.store.signedDocuments.get(topic);
    if (!held || held.payload.equals(payload)) return;
    this.stats.mismatches++;
    this.#repair(held.commune, topic, 'mismatch');
  }

  #repair(commune: string, topic: string, why: string): void {
    if (this.#repairing.has(topic)) return;
    this.#repairing.add(topic);
    this.deps.log.warn({ topic, why }, 'retained schedule differs from the latest signed one: publishing it again');
    void this.deps.reassert(commune, [topic]).finally(() => this.#repairing.delete(topic));
  }
}
