import type { ScheduleDocument } from '../../devices/contract/broadcast.ts';
import { signAreaOrder, signSchedule, type AreaOrderKind, type AreaOrderOf } from '../../devices/schedule-signature.ts';
import { areaTopic, topicFor } from '../../devices/topics.ts';
import type { Unit } from '../levels.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { publishWithTimeout, type MqttPublisher } from '../../infra/mqtt-publish.ts';
import type { Area } from '../area.ts';
import type { CommuneKey } from '../keys.ts';
import type { Store } from '../store/index.ts';
import { buildItem, carriedByArea, itemsHash } from './build.ts';
import { communeIssuerDocs, type IssuerDoc } from './issuer-docs.ts';
import type { PolicyService } from '../policy.ts';

export type PublisherDeps = {
  store: Store;
  area: Area;
  mqtt: MqttPublisher;
  clock: Clock;
  log: Logger;
  /** signing keys by unit code: communes (5 digits), districts (3), provinces (2) */
  keys: Map<string, CommuneKey>;
  /** the sound policy each document carries (absent: the default quiet hours) */
  policy?: PolicyService;
  config: {
    horizonDays: number;
    reissueHours: number;
    validityS: number;
    emergencyValidityS: number;
    publishTimeoutMs: number;
  };
};

export type PublisherStats = { published: number; unchanged: number; failed: number; reasserted: number };

/**
 * Each speaker gets one retained, signed, versioned document (QoS 1) with every approved announcement for
 * its hamlet. The version is committed before the publish, so it only ever increases, even across a crash.
 * Re-issued on every change, every `reissueHours` (occurrences roll forward), and after a failed publish.
 */
export class SchedulePublisher {
  readonly stats: PublisherStats = { published: 0, unchanged: 0, failed: 0, reasserted: 0 };
  #chains = new Map<string, Promise<void>>();
  #busy = new Map<string, number>();
  #timer?: { cancel(): void };
  #lastTurn: Promise<void> = Promise.resolve();
  /** area orders that did not reach the broker (by topic): published again on the next tick */
  #areaPending = new Map<string, { kind: AreaOrderKind; unit: Unit }>();

  constructor(private readonly deps: PublisherDeps) {}

  start(): void {
    const tick = () => {
      // a commune whose re-issue is still running (slow broker) is left for the next tick, not queued twice
      for (const c of this.deps.area.communes)
        if (!this.#busy.has(c)) void this.reissue(c, { force: this.#dueForDaily(c) });
      for (const { kind, unit } of this.#areaPending.values())
        if (!this.#busy.has(unit.code)) void this.#publishAreaOrder(kind, unit);
      this.#timer = this.deps.clock.setTimeout(tick, 60_000);
    };
    tick();
  }

  /** resolves when every queued re-issue has finished */
  async idle(): Promise<void> {
    await Promise.all(this.#chains.values());
  }

  /** no new ticks; waits for re-issues already running (so the store is not closed under them) */
  async stop(): Promise<void> {
    this.#timer?.cancel();
    await Promise.all(this.#chains.values());
  }

  /** queue a re-issue of a commune's schedules; changes are serialized per commune so versions stay ordered */
  reissue(commune: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.#enqueue(commune, () => this.#reissueNow(commune, opts.force ?? false), 'schedule re-issue failed');
  }

  /**
   * The unit's area stop order: every stop it has in force, signed with its key, retained on its area stop
   * topic that all its speakers read (one message for a whole province; the fast path of "Dừng phát ngay").
   */
  publishAreaStop(unit: Unit): Promise<void> {
    return this.#publishAreaOrder('stop', unit);
  }

  /**
   * The unit's area emergency order: every emergency it has on the air, each with the communes and hamlets
   * it is for, signed with its key, retained on its area emergency topic that all its speakers read (one
   * message for a whole province, where one document per speaker takes thousands). The speakers' own
   * documents do not carry it (build.ts carriedByArea).
   */
  publishAreaEmergency(unit: Unit): Promise<void> {
    return this.#publishAreaOrder('emergency', unit);
  }

  #areaOrder<K extends AreaOrderKind>(kind: K, unit: Unit, version: number, at: string): AreaOrderOf<K> {
    const { store, clock, config } = this.deps;
    if (kind === 'stop') {
      const stops = store.stops.active(at).filter((s) => s.level === unit.level && s.unit === unit.code);
      return {
        v: 1,
        issuer: unit,
        version,
        issuedAt: at,
        stops: stops.map((s) => ({ id: s.id, at: s.at, until: s.until, communes: s.targets })),
      } as AreaOrderOf<K>;
    }
    const now = clock.now();
    const o = { now, horizon: now + config.horizonDays * 86_400_000, ...config };
    const items = store.announcements.approvedEmergenciesOf(unit.level, unit.code).flatMap((a) => {
      const item = carriedByArea(a) ? buildItem(a, o) : null;
      const communes = unit.level === 'commune' ? [unit.code] : (a.targets ?? 'all');
      return item ? [{ ...item, communes, hamlets: a.hamlets }] : [];
    });
    return { v: 1, issuer: unit, version, issuedAt: at, items: items.slice(-20) } as AreaOrderOf<K>;
  }

  /** The version is committed (with the signed copy the console re-asserts) before the publish. */
  #publishAreaOrder(kind: AreaOrderKind, unit: Unit): Promise<void> {
    return this.#enqueue(
      unit.code,
      async () => {
        const { store, clock, keys } = this.deps;
        const key = keys.get(unit.code);
        if (!key) throw new Error(`no signing key for ${unit.level} ${unit.code}`);
        const topic = areaTopic(kind, unit.level, unit.code);
        const at = new Date(clock.now()).toISOString();
        const payload = store.tx(() => {
          const version = (store.signedDocuments.get(topic)?.version ?? 0) + 1;
          const signed = signAreaOrder(kind, this.#areaOrder(kind, unit, version, at), key.privateKey);
          const bytes = Buffer.from(JSON.stringify(signed));
          store.signedDocuments.put({ topic, payload: bytes, commune: unit.code, version }, at);
          return bytes;
        });
        try {
          await this.#publish(topic, payload);
          this.#areaPending.delete(topic);
          this.stats.published++;
        } catch (err) {
          this.#areaPending.set(topic, { kind, unit });
          this.stats.failed++;
          this.deps.log.warn({ err, topic }, 'area order publish failed; retried on the next tick');
        }
      },
      `area ${kind} order failed`,
    );
  }

  /**
   * Publish again, byte for byte, the latest signed document of each retained topic the console owns for a
   * commune (all of them, or only `topics`): after a broker restart emptied the retained slots, or when a slot
   * holds something else. Queued behind re-issues of the same commune, so an older document never overtakes
   * a newer one. Generic: whatever was stored in signedDocuments is what is asserted.
   */
  reassert(commune: string, topics?: string[]): Promise<void> {
    return this.#enqueue(
      commune,
      async () => {
        const docs = this.deps.store.signedDocuments
          .forCommune(commune)
          .filter((d) => !topics || topics.includes(d.topic));
        await Promise.all(
          docs.map((d) =>
            this.#publish(d.topic, d.payload).then(
              () => void this.stats.reasserted++,
              (err) => {
                this.stats.failed++;
                this.deps.log.warn(
                  { err, topic: d.topic },
                  'schedule re-assertion failed; retried on the next connect or mismatch',
                );
              },
            ),
          ),
        );
      },
      'schedule re-assertion failed',
    );
  }

  /** every commune with a stored document, and every served one (their documents may be still to come) */
  reassertAll(): Promise<void> {
    const communes = new Set([...this.deps.area.communes, ...this.deps.store.signedDocuments.communes()]);
    return Promise.all([...communes].map((c) => this.reassert(c))).then(() => undefined);
  }

  #enqueue(commune: string, job: () => Promise<void>, failure: string): Promise<void> {
    const prev = this.#chains.get(commune) ?? Promise.resolve();
    this.#busy.set(commune, (this.#busy.get(commune) ?? 0) + 1);
    const next = prev
      .then(job)
      .catch((err) => this.deps.log.error({ err, commune }, failure))
      .finally(() => {
        const n = (this.#busy.get(commune) ?? 1) - 1;
        if (n > 0) this.#busy.set(commune, n);
        else this.#busy.delete(commune);
      });
    this.#chains.set(commune, next);
    return next;
  }

  /**
   * A province-wide change queues every commune at once. Each commune is built in its own turn of the event
   * loop (an immediate scheduled when the previous turn ends runs in the next iteration), so between communes the
   * console answers HTTP (the leader's request), reads PUBACKs and writes the signed documents out: each commune's
   * documents leave as soon as they are signed instead of after the last commune's.
   */
  #turn(): Promise<void> {
    const turn = this.#lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#lastTurn = turn;
    return turn;
  }

  #dueForDaily(commune: string): boolean {
    const periodMs = this.deps.config.reissueHours * 3_600_000;
    return this.deps.area.speakers(commune).some((s) => {
      const row = this.deps.store.speakers.get(s.id);
      return !row?.published_at || this.deps.clock.now() - Date.parse(row.published_at) >= periodMs;
    });
  }

  async #reissueNow(commune: string, force: boolean): Promise<void> {
    const { store, area, clock, config } = this.deps;
    if (!this.deps.keys.get(commune)) throw new Error(`no signing key for commune ${commune}`);
    await this.#turn();
    const now = clock.now();
    const horizon = now + config.horizonDays * 86_400_000;
    // one transaction for every version and signed copy of the commune (not one fsync per speaker): a
    // province-wide emergency or stop reaches thousands of speakers at once
    const prepared = store.tx(() => {
      const docsOf = communeIssuerDocs(commune, { now, horizon, ...config }, this.deps);
      // the speakers of one hamlet share their documents' content, and so its hash
      const hashes = new WeakMap<IssuerDoc, string>();
      const hashOf = (d: IssuerDoc) =>
        hashes.get(d) ?? (hashes.set(d, itemsHash(d.items, d.policy, d.stop)), hashes.get(d)!);
      return area.speakers(commune).flatMap((s) =>
        docsOf(s.hamlet).flatMap((d) => {
          const hash = hashOf(d);
          const row = this.#row(s.id, d);
          if (
            !force &&
            row &&
            row.items_hash === hash &&
            !row.publish_pending &&
            (row.status_active ?? 0) <= row.version
          ) {
            this.stats.unchanged++;
            return [];
          }
          const version =
            d.channel === 'schedule'
              ? store.speakers.nextVersion(s.id, hash)
              : store.speakerDocs.nextVersion(s.id, d.channel, hash);
          const doc: ScheduleDocument = {
            v: 1,
            commune,
            speaker: s.id,
            hamlet: s.hamlet,
            version,
            issuedAt: new Date(now).toISOString(),
            horizon: new Date(horizon).toISOString(),
            items: d.items,
            // the commune's own document keeps its old shape plus the policy; documents from above name their issuer
            ...(d.issuer.level === 'commune' ? {} : { issuer: d.issuer }),
            policy: d.policy,
            ...(d.stop ? { stop: d.stop } : {}),
          };
          return [this.#prepare(s.id, doc, d.key, d.channel)];
        }),
      );
    });
    const sent = await Promise.all(prepared.map((p) => this.#send(p)));
    const at = new Date(this.deps.clock.now()).toISOString();
    store.tx(() => {
      for (const p of prepared.filter((_, i) => sent[i])) {
        if (p.channel === 'schedule') store.speakers.markPublished(p.speaker, p.doc.version, at);
        else store.speakerDocs.markPublished(p.speaker, p.channel, p.doc.version, at);
      }
    });
  }

  #row(speaker: string, d: IssuerDoc) {
    return d.channel === 'schedule'
      ? this.deps.store.speakers.get(speaker)
      : this.deps.store.speakerDocs.get(speaker, d.channel);
  }

  #prepare(
    speaker: string,
    doc: ScheduleDocument,
    key: CommuneKey,
    channel: IssuerDoc['channel'] = 'schedule',
  ): Prepared {
    const payload = Buffer.from(JSON.stringify(signSchedule(doc, key.privateKey)));
    const topic = topicFor(speaker, channel);
    // kept before it is published: this is what the console re-asserts if the broker loses or replaces it
    this.deps.store.signedDocuments.put(
      { topic, payload, commune: doc.commune, version: doc.version },
      new Date(this.deps.clock.now()).toISOString(),
    );
    return { speaker, doc, channel, topic, payload };
  }

  /** retained QoS 1, bounded on the injected clock */
  #publish(topic: string, payload: Buffer): Promise<void> {
    const { mqtt, clock, config } = this.deps;
    return publishWithTimeout(mqtt, clock, topic, payload, { qos: 1, retain: true }, config.publishTimeoutMs);
  }

  /** true when the broker has it; otherwise it stays publish_pending and the next tick re-issues it */
  async #send(p: Prepared): Promise<boolean> {
    try {
      await this.#publish(p.topic, p.payload);
      this.stats.published++;
      this.deps.log.info(
        { speaker: p.speaker, channel: p.channel, version: p.doc.version, items: p.doc.items.length },
        'schedule published',
      );
      return true;
    } catch (err) {
      this.stats.failed++;
      this.deps.log.warn({ err, speaker: p.speaker, version: p.doc.version }, 'schedule publish failed');
      return false;
    }
  }
}

type Prepared = {
  speaker: string;
  doc: ScheduleDocument;
  channel: IssuerDoc['channel'];
  topic: string;
  payload: Buffer;
};
