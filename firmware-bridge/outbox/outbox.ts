import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PAYLOADS } from '../../devices/contract/index.ts';
import type { TimeQuality } from '../../devices/contract/time.ts';
import type { Logger } from '../../infra/logger.ts';
import { BridgeError } from '../errors.ts';
import { Journal, frameBytes } from './journal.ts';
import { JournalRecord, type AddRecord, type PendingTime, type ReceiptChannel } from './records.ts';

/**
 * The durable outbox: a message stays on disk until the collector's application ack (tt/v1/<id>/ack)
 * names its id; a PUBACK only means the broker has it, and the broker keeps QoS 1 state in memory.
 * Generic over the receipt channels: ratings and the loudspeaker's broadcast logs share it.
 */
export type OutboxLimits = { maxEntries: number; maxBytes: number; compactMinBytes: number };
export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = {
  maxEntries: 100_000,
  maxBytes: 64 * 1024 * 1024,
  compactMinBytes: 256 * 1024,
};

export type OutboxEntry = {
  id: string;
  channel: ReceiptChannel;
  /** complete once resolved; without at/time while `pending` */
  payload: Record<string, unknown>;
  pending?: PendingTime;
  /** journal bytes this entry holds (add + resolution) */
  bytes: number;
};

export type OutboxStats = {
  depth: number;
  unresolved: number;
  bytes: number;
  journalBytes: number;
  refusedFull: number;
  confirmed: number;
  compactions: number;
  tornRecoveries: number;
  tornBytes: number;
  /** records recovered past a corrupt region in the middle of the journal */
  salvaged: number;
  invalidRecords: number;
};

export class Outbox extends EventEmitter<{ ready: [OutboxEntry]; removed: [string[]] }> {
  readonly #entries = new Map<string, OutboxEntry>();
  #bytes = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #stats = {
    refusedFull: 0,
    confirmed: 0,
    compactions: 0,
    tornRecoveries: 0,
    tornBytes: 0,
    salvaged: 0,
    invalidRecords: 0,
  };

  private constructor(
    private readonly journal: Journal,
    readonly limits: OutboxLimits,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Open (or create) the outbox in `dir`, replaying its journal; a torn tail is truncated, counted and logged. */
  static async open(dir: string, limits: Partial<OutboxLimits>, log: Logger): Promise<Outbox> {
    await mkdir(dir, { recursive: true });
    const opened = await Journal.open(join(dir, 'journal.bin'));
    const box = new Outbox(opened.journal, { ...DEFAULT_OUTBOX_LIMITS, ...limits }, log);
    if (opened.badBytes > 0) {
      box.#stats.tornRecoveries = 1;
      box.#stats.tornBytes = opened.badBytes;
      log.warn(
        { badBytes: opened.badBytes, keptBytes: opened.journal.bytes },
        'outbox journal: torn or corrupt tail truncated',
      );
    }
    for (const raw of opened.records) box.#replay(raw);
    if (opened.salvaged > 0) {
      box.#stats.salvaged = opened.salvaged;
      log.error(
        { salvaged: opened.salvaged },
        'outbox journal: corrupt region in the middle; later records salvaged, journal rewritten',
      );
      await box.#compact();
    }
    return box;
  }

  #replay(raw: unknown): void {
    const parsed = JournalRecord.safeParse(raw);
    if (!parsed.success) {
      this.#stats.invalidRecords++;
      return;
    }
    const rec = parsed.data;
    const bytes = frameBytes(rec);
    if (rec.t === 'add') this.#put(rec, bytes);
    else if (rec.t === 'res') this.#applyResolution(rec.id, rec.at, rec.time, bytes);
    else for (const id of rec.ids) this.#drop(id);
  }

  #put(rec: AddRecord, bytes: number): OutboxEntry {
    this.#drop(rec.id); // the same id twice keeps the later one
    const entry: OutboxEntry = {
      id: rec.id,
      channel: rec.ch,
      payload: rec.p,
      ...(rec.pending ? { pending: rec.pending } : {}),
      bytes,
    };
    this.#entries.set(rec.id, entry);
    this.#bytes += bytes;
    return entry;
  }

  #applyResolution(id: string, at: string, time: TimeQuality, bytes: number): OutboxEntry | undefined {
    const entry = this.#entries.get(id);
    if (!entry?.pending) return undefined;
    entry.payload = { ...entry.payload, at, time };
    delete entry.pending;
    entry.bytes += bytes;
    this.#bytes += bytes;
    return entry;
  }

  #drop(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    return true;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** would a new message be refused now? (synchronous: the rating box decides its beep before any I/O) */
  isFull(extraBytes = 512): boolean {
    return this.#entries.size >= this.limits.maxEntries || this.#bytes + extraBytes > this.limits.maxBytes;
  }

  /**
   * Store a message durably (fsync) and return once it is on disk. A complete payload is checked
   * against the contract; with `pending` the payload lacks at/time until `resolve`.
   * Throws BRIDGE_OUTBOX_FULL (counted) or BRIDGE_OUTBOX_INVALID.
   */
  add(channel: ReceiptChannel, payload: Record<string, unknown>, pending?: PendingTime): Promise<OutboxEntry> {
    if (this.#closed) return Promise.reject(new BridgeError('BRIDGE_OUTBOX_CLOSED', 'outbox closed'));
    if (!pending) {
      const check = PAYLOADS[channel].safeParse(payload);
      if (!check.success) return Promise.reject(new BridgeError('BRIDGE_OUTBOX_INVALID', check.error.message));
    }
    const id = payload.id;
    if (typeof id !== 'string' || !id)
      return Promise.reject(new BridgeError('BRIDGE_OUTBOX_INVALID', 'payload without id'));
    const rec: AddRecord = { t: 'add', id, ch: channel, p: payload, ...(pending ? { pending } : {}) };
    const bytes = frameBytes(rec);
    if (this.isFull(bytes)) {
      this.#stats.refusedFull++;
      return Promise.reject(
        new BridgeError('BRIDGE_OUTBOX_FULL', `outbox full (${this.#entries.size} entries, ${this.#bytes} bytes)`),
      );
    }
    // reserve the room now, so concurrent adds cannot overshoot the bound
    const entry = this.#put(rec, bytes);
    return this.#serial(async () => {
      try {
        await this.journal.append([rec], true);
      } catch (err) {
        this.#drop(id);
        throw err;
      }
      if (!entry.pending) this.emit('ready', entry);
      return entry;
    });
  }

  /** Record a rating's resolved time durably (fsync) before it is published: a replay sends the same time. */
  resolve(id: string, at: string, time: TimeQuality): Promise<void> {
    return this.#serial(async () => {
      const entry = this.#entries.get(id);
      if (!entry?.pending || this.#closed) return;
      const candidate = { ...entry.payload, at, time };
      const check = PAYLOADS[entry.channel].safeParse(candidate);
      if (!check.success) {
        this.#stats.invalidRecords++;
        this.log.error(
          { id, issues: check.error.issues.slice(0, 3) },
          'outbox: resolved payload invalid, kept unresolved',
        );
        return;
      }
      const rec = { t: 'res', id, at, time } as const;
      const bytes = await this.journal.append([rec], true);
      const resolved = this.#applyResolution(id, at, time, bytes);
      if (resolved) this.emit('ready', resolved);
    });
  }

  /** The collector stored these ids: forget them (no fsync needed: losing an ack only means a duplicate). */
  confirm(ids: readonly string[]): Promise<number> {
    return this.#serial(async () => {
      const known = ids.filter((id) => this.#entries.has(id));
      if (!known.length || this.#closed) return 0;
      await this.journal.append([{ t: 'ack', ids: known }], false);
      for (const id of known) this.#drop(id);
      this.#stats.confirmed += known.length;
      this.emit('removed', known);
      await this.#maybeCompact();
      return known.length;
    });
  }

  async #maybeCompact(): Promise<void> {
    const dead = this.journal.bytes - this.#bytes;
    if (this.journal.bytes < this.limits.compactMinBytes || dead <= this.#bytes) return;
    await this.#compact();
  }

  async #compact(): Promise<void> {
    const entries = [...this.#entries.values()];
    const records = entries.map((e) => ({
      t: 'add',
      id: e.id,
      ch: e.channel,
      p: e.payload,
      ...(e.pending ? { pending: e.pending } : {}),
    }));
    await this.journal.rewrite(records);
    this.#bytes = 0;
    entries.forEach((e, i) => {
      e.bytes = frameBytes(records[i]);
      this.#bytes += e.bytes;
    });
    this.#stats.compactions++;
    this.log.info({ entries: this.#entries.size, bytes: this.journal.bytes }, 'outbox journal compacted');
  }

  depth(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** publishable entries (time resolved), oldest first */
  ready(): OutboxEntry[] {
    return [...this.readyEntries()];
  }

  /** the same, lazily: the link stops at its in-flight window without copying a large backlog */
  *readyEntries(): Generator<OutboxEntry> {
    for (const e of this.#entries.values()) if (!e.pending) yield e;
  }

  /** entries still waiting for a trusted time */
  unresolved(): OutboxEntry[] {
    return [...this.#entries.values()].filter((e) => e.pending);
  }

  stats(): OutboxStats {
    return {
      depth: this.#entries.size,
      unresolved: this.unresolved().length,
      bytes: this.#bytes,
      journalBytes: this.journal.bytes,
      ...this.#stats,
    };
  }

  async close(): Promise<void> {
    await this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.journal.close();
    });
  }
}
