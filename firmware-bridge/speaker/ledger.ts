import { join } from 'node:path';
import { z } from 'zod';
import { readJsonOrNull } from './atomic-file.ts';
import { DurableFile } from './durable-file.ts';

/** How far back a unit reports occurrences it never handled (e.g. after a week powered off, only the last 7 days). */
export const LEDGER_RETENTION_MS = 7 * 86_400_000;

const LedgerFile = z.object({
  /** trusted wall time last seen alive (saved every aliveEveryMs and on stop) */
  lastAliveAt: z.number().nullable(),
  /** occurrences before this are not this unit's business (older than its first trusted start, or past retention) */
  since: z.number().nullable(),
  /** occurrence keys whose broadcast log is already in the outbox, with their start (ms) for pruning */
  handled: z.record(z.string(), z.number()),
});
type LedgerFile = z.infer<typeof LedgerFile>;

/**
 * The unit's memory across reboots: the "last alive" marker that lets it tell "missed: the unit was off"
 * from "skipped", and which occurrences already have a log (so a reboot never logs or plays one twice).
 */
export class Ledger {
  private readonly file: DurableFile;
  private data: LedgerFile;
  /** lastAliveAt as found at boot: the end of the previous run */
  readonly previousAliveAt: number | null;

  constructor(dir: string) {
    this.file = new DurableFile(join(dir, 'ledger.json'));
    const parsed = LedgerFile.safeParse(readJsonOrNull(this.file.path));
    this.data = parsed.success ? parsed.data : { lastAliveAt: null, since: null, handled: {} };
    this.previousAliveAt = this.data.lastAliveAt;
  }

  get since(): number | null {
    return this.data.since;
  }

  isHandled(key: string): boolean {
    return Object.hasOwn(this.data.handled, key);
  }

  markHandled(key: string, start: number): void {
    this.data.handled[key] = start;
    this.save();
  }

  /** A unit's first trusted moment: it answers for occurrences from the start of this boot on, not before. */
  startFrom(bootWall: number): void {
    if (this.data.since === null) this.data.since = bootWall;
  }

  /** Called with trusted time only: a marker from an untrusted clock would invent or hide "missed" logs. */
  alive(now: number): void {
    this.data.lastAliveAt = now;
    const floor = now - LEDGER_RETENTION_MS;
    // `since` is set once, by startFrom (the scheduler's first trusted moment), then only moves with retention
    if (this.data.since !== null) this.data.since = Math.max(this.data.since, floor);
    for (const [key, start] of Object.entries(this.data.handled)) if (start < floor) delete this.data.handled[key];
    this.save();
  }

  /** failed saves (SD card full or read-only); the unit keeps running on its memory and reports the count */
  writeErrors = 0;

  /** written in the background (the memory is the truth while the unit runs); see flushed() */
  private save(): void {
    this.file.write(JSON.stringify(this.data)).catch(() => this.writeErrors++);
  }

  /** resolves once what was saved is on disk (the unit waits for it when it stops) */
  flushed(): Promise<void> {
    return this.file.flushed();
  }
}
