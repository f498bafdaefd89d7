import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import type { Spool } from './spool.ts';
import type { CollectorStats } from './stats.ts';
import type { StoragePort } from './storage.ts';

export type AckRef = { deviceId: string; id: string };
type Batch = { lines: string[]; acks: Map<string, string[]>; waiters: (() => void)[] };

export type StoreDeps = {
  /** writes batches, answers pings, prepares the database again before a drain (it may not have existed) */
  storage: Pick<StoragePort, 'write' | 'ping' | 'prepare'>;
  spool: Spool;
  clock: Clock;
  log: Logger;
  stats: CollectorStats;
  batch: { maxPoints: number; maxDelayMs: number };
  /** called with the ids of a batch once it is durable (in InfluxDB or fsynced in the spool) */
  onDurable(acks: Map<string, string[]>): void;
};

/** Lines per request when draining the spool. */
const DRAIN_CHUNK = 5000;
const PROBE_MIN_MS = 500;
const PROBE_MAX_MS = 30_000;

/**
 * Batches encoded lines, writes each batch to InfluxDB, falls back to the disk spool while
 * InfluxDB is unreachable, and drains the spool (oldest first) once it answers again.
 * Every batch write, spool append and drain step runs on one serial queue, so the order is kept
 * and the spool has a single writer.
 */
export class DurableStore {
  #batch: Batch = newBatch();
  #timer?: { cancel(): void };
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #degraded = false;
  #probe?: { cancel(): void };
  #probeDelay = PROBE_MIN_MS;
  #closed = false;

  constructor(readonly deps: StoreDeps) {}

  /** Spooled data from an earlier run is drained right away. */
  start(): void {
    if (!this.deps.spool.empty) this.#scheduleProbe(0);
  }

  /** Add one message's lines; resolves once they are durable or dropped (never rejects). */
  add(lines: string[], ack?: AckRef): Promise<void> {
    const b = this.#batch;
    for (const l of lines) b.lines.push(l);
    if (ack) {
      const ids = b.acks.get(ack.deviceId);
      if (ids) ids.push(ack.id);
      else b.acks.set(ack.deviceId, [ack.id]);
    }
    const done = new Promise<void>((resolve) => b.waiters.push(resolve));
    if (b.lines.length >= this.deps.batch.maxPoints) this.#cut();
    else if (!this.#timer) this.#timer = this.deps.clock.setTimeout(() => this.#cut(), this.deps.batch.maxDelayMs);
    return done;
  }

  get pending(): number {
    return this.#batch.lines.length + this.#queued;
  }

  get degraded(): boolean {
    return this.#degraded || !this.deps.spool.empty;
  }

  /** Write the current batch now and wait for everything queued. */
  flush(): Promise<void> {
    this.#cut();
    return this.#queue;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#probe?.cancel();
    await this.#queue;
  }

  #cut(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const b = this.#batch;
    if (b.lines.length === 0 && b.waiters.length === 0) return;
    this.#batch = newBatch();
    this.#queued += b.lines.length;
    this.#enqueue(async () => {
      try {
        await this.#persist(b);
      } finally {
        this.#queued -= b.lines.length;
        for (const w of b.waiters) w();
      }
    });
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((err) => this.deps.log.error({ err }, 'store task failed'));
  }

  async #persist(b: Batch): Promise<void> {
    if (b.lines.length === 0) return;
    const { stats, log } = this.deps;
    if (!this.degraded) {
      const outcome = await this.deps.storage.write(b.lines);
      if (outcome.kind === 'ok') {
        stats.stored += b.lines.length;
        this.deps.onDurable(b.acks);
        return;
      }
      if (outcome.kind === 'refused') {
        // InfluxDB keeps the valid lines of a partial write; the rest would be refused forever
        stats.writeRefused += b.lines.length;
        log.error({ points: b.lines.length, detail: outcome.detail }, 'InfluxDB refused a batch (partial write)');
        this.deps.onDurable(b.acks);
        return;
      }
      stats.writeFailures++;
      this.#degraded = true;
      log.warn({ detail: outcome.detail }, 'InfluxDB unreachable: spooling to disk');
      this.#scheduleProbe(PROBE_MIN_MS);
    }
    await this.#spool(b);
  }

  async #spool(b: Batch): Promise<void> {
    const { stats, log, spool } = this.deps;
    try {
      const r = await spool.append(b.lines);
      if (r === 'ok') {
        stats.spooled += b.lines.length;
        this.deps.onDurable(b.acks);
      } else {
        stats.spoolDropped += b.lines.length;
        log.error(
          { points: b.lines.length, spoolBytes: spool.bytes, max: spool.maxBytes },
          'SPOOL FULL: batch not stored and not acknowledged; devices keep their messages',
        );
      }
    } catch (err) {
      stats.spoolFailed += b.lines.length;
      log.error({ err, points: b.lines.length }, 'SPOOL WRITE FAILED: batch not stored and not acknowledged');
    }
    stats.spoolBytes = spool.bytes;
  }

  #scheduleProbe(delay: number): void {
    if (this.#probe || this.#closed) return;
    this.#probe = this.deps.clock.setTimeout(() => {
      this.#probe = undefined;
      this.#enqueue(() => this.#drainStep());
    }, delay);
  }

  #backoff(): void {
    this.#probeDelay = Math.min(this.#probeDelay * 2, PROBE_MAX_MS);
    this.#scheduleProbe(this.#probeDelay);
  }

  /** One drain step: probe, then write the oldest segment; the next step is queued behind live batches. */
  async #drainStep(): Promise<void> {
    if (this.#closed) return;
    const { spool, stats, log } = this.deps;
    if (!(await this.deps.storage.ping())) return this.#backoff();
    try {
      await this.deps.storage.prepare();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'InfluxDB setup failed; retrying');
      return this.#backoff();
    }
    const seg = await spool.oldest();
    if (!seg) {
      this.#degraded = false;
      this.#probeDelay = PROBE_MIN_MS;
      log.info('InfluxDB reachable; spool empty: writing directly again');
      return;
    }
    if (seg.truncatedBytes) {
      stats.spoolTruncatedBytes += seg.truncatedBytes;
      log.warn(
        { segment: seg.name, bytes: seg.truncatedBytes },
        'partial line at the end of a spool segment dropped (crash during append; not acknowledged)',
      );
    }
    for (let i = 0; i < seg.lines.length; i += DRAIN_CHUNK) {
      const chunk = seg.lines.slice(i, i + DRAIN_CHUNK);
      const outcome = await this.deps.storage.write(chunk);
      if (outcome.kind === 'unreachable') {
        stats.writeFailures++;
        // chunks already written are replayed later: same timestamps, so they overwrite themselves
        return this.#backoff();
      }
      if (outcome.kind === 'refused') {
        stats.writeRefused += chunk.length;
        log.error({ detail: outcome.detail }, 'InfluxDB refused spooled lines');
      } else stats.unspooled += chunk.length;
      stats.stored += outcome.kind === 'ok' ? chunk.length : 0;
    }
    await spool.removeOldest();
    stats.spoolBytes = spool.bytes;
    log.info(
      { segment: seg.name, points: seg.lines.length, left: spool.segments },
      'spool segment written to InfluxDB',
    );
    this.#probeDelay = PROBE_MIN_MS;
    this.#scheduleProbe(0);
  }
}

function newBatch(): Batch {
  return { lines: [], acks: new Map(), waiters: [] };
}
