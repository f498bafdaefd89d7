import type { Clock } from '../../infra/clock.ts';
import type { TrustedTime } from '../unit.ts';
import type { Ledger } from './ledger.ts';
import type { Occurrence } from './occurrence.ts';

export type PastVerdict = { outcome: 'missed' | 'skipped'; reason: 'unit-off' | 'clock-untrusted' | 'late' };

export type SchedulerDeps = {
  clock: Clock;
  time: TrustedTime;
  ledger: Ledger;
  /** how long before its start an occurrence is handed over (the relay warm-up) */
  leadMs: number;
  /** an occurrence whose start (minus lead) has come, still within its validity */
  onDue(occ: Occurrence): void;
  /** an occurrence whose validity passed before it could be played */
  onPast(occ: Occurrence, verdict: PastVerdict): void;
};

/** Wake at least this often, so a wall clock stepped by NTP is noticed (timers run on the monotonic clock). */
const MAX_SLEEP_MS = 60_000;

/**
 * Drives occurrences from the injected clock: one timer set for the next occurrence (no interval drift),
 * and wall time re-read on every wake. It decides nothing while the clock is untrusted (README "Time rule").
 */
export class Scheduler {
  private occurrences: Occurrence[] = [];
  private readonly dispatched = new Set<string>();
  private timer: { cancel(): void } | null = null;
  private waitingForSync = false;
  private stopped = false;
  private readonly bootMono: number;
  /** trusted wall time of this boot's start, and of the moment the clock became trusted */
  private bootWall: number | null = null;
  private syncedWall: number | null = null;

  constructor(private readonly deps: SchedulerDeps) {
    this.bootMono = deps.clock.monotonic();
  }

  setOccurrences(list: Occurrence[]): void {
    this.occurrences = list;
    this.rescan();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  rescan(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = null;
    if (!this.deps.time.synced()) return this.awaitSync();
    const now = this.deps.clock.now();
    this.noteTrusted(now);
    const next = this.dispatchDue(now);
    const sleep = next === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - now));
    this.timer = this.deps.clock.setTimeout(() => this.rescan(), sleep);
  }

  private awaitSync(): void {
    if (this.waitingForSync) return;
    this.waitingForSync = true;
    void this.deps.time.whenSynced().then(() => {
      this.waitingForSync = false;
      this.rescan();
    });
  }

  private noteTrusted(now: number): void {
    if (this.bootWall !== null) return;
    this.bootWall = now - (this.deps.clock.monotonic() - this.bootMono);
    this.syncedWall = now;
    this.deps.ledger.startFrom(this.bootWall);
    this.deps.ledger.alive(now);
  }

  /** Hands over what is due, reports what is past; returns when the next one is due (wall ms) or null. */
  private dispatchDue(now: number): number | null {
    const since = this.deps.ledger.since ?? now;
    let next: number | null = null;
    for (const occ of this.occurrences) {
      if (occ.start < since || this.dispatched.has(occ.key) || this.deps.ledger.isHandled(occ.key)) continue;
      const dueAt = occ.start - this.deps.leadMs;
      if (dueAt > now) {
        next = next === null ? dueAt : Math.min(next, dueAt);
        continue;
      }
      this.dispatched.add(occ.key);
      if (now <= occ.expires) this.deps.onDue(occ);
      else this.deps.onPast(occ, this.verdict(occ));
    }
    return next;
  }

  /** Past its validity: off at that time, up but without trusted time, or learned of too late (e.g. after a reconnect). */
  private verdict(occ: Occurrence): PastVerdict {
    if (occ.start < (this.bootWall ?? 0)) return { outcome: 'missed', reason: 'unit-off' };
    if (occ.start < (this.syncedWall ?? 0)) return { outcome: 'skipped', reason: 'clock-untrusted' };
    return { outcome: 'missed', reason: 'late' };
  }
}
