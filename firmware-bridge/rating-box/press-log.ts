import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { vnDate } from '../../devices/time/vietnam.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { TrustedTime } from '../unit.ts';

/**
 * Every raw press, accepted or rejected, for audits: JSONL, one file per Vietnam date
 * (presses-YYYY-MM-DD.jsonl, .1, .2 … past maxFileBytes), oldest files pruned past maxFiles / maxTotalBytes.
 * Before the clock is trusted the date is unknown: those lines go to presses-boot-<boot>.jsonl.
 * Appends are queued and never throw: a full disk must not stop ratings (failures are counted).
 */
export type PressLogLine = {
  level: string;
  accepted: boolean;
  reason?: 'lockout' | 'outbox-full' | 'dossier-used' | 'error';
  id?: string;
  /** the dossier the press was about, when one was bound */
  dossier?: string;
  boot: string;
  seq: number;
  mono: number;
  /** wall time, only when the clock was trusted at the press */
  wall?: string;
};

export type PressLogLimits = { maxFileBytes: number; maxFiles: number; maxTotalBytes: number };
export const DEFAULT_PRESS_LOG_LIMITS: PressLogLimits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxFiles: 400,
  maxTotalBytes: 200 * 1024 * 1024,
};

export class PressLog {
  #queue: Promise<void> = Promise.resolve();
  #base = '';
  #part = 0;
  #size = 0;
  failures = 0;
  pruned = 0;

  constructor(
    readonly dir: string,
    private readonly deps: {
      clock: Clock;
      time: TrustedTime;
      boot: string;
      log: Logger;
      limits?: Partial<PressLogLimits>;
    },
  ) {}

  get limits(): PressLogLimits {
    return { ...DEFAULT_PRESS_LOG_LIMITS, ...this.deps.limits };
  }

  append(line: PressLogLine): void {
    const text = `${JSON.stringify(line)}\n`;
    const base = this.deps.time.synced()
      ? `presses-${vnDate(this.deps.clock.now())}`
      : `presses-boot-${this.deps.boot.slice(0, 8)}`;
    this.#queue = this.#queue
      .then(() => this.#write(base, text))
      .catch((err) => {
        this.failures++;
        this.deps.log.error({ err }, 'press log append failed');
      });
  }

  /** resolves when every queued line is written */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #write(base: string, text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (base !== this.#base) {
      await mkdir(this.dir, { recursive: true });
      this.#base = base;
      this.#part = 0;
      this.#size = await sizeOf(this.#file());
      while (this.#size > 0 && this.#size + bytes > this.limits.maxFileBytes) {
        this.#part++;
        this.#size = await sizeOf(this.#file());
      }
      await this.#prune();
    } else if (this.#size + bytes > this.limits.maxFileBytes) {
      this.#part++;
      this.#size = 0;
      await this.#prune();
    }
    await appendFile(this.#file(), text);
    this.#size += bytes;
  }

  #file(): string {
    return join(this.dir, `${this.#base}${this.#part ? `.${this.#part}` : ''}.jsonl`);
  }

  async #prune(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.startsWith('presses-') && n.endsWith('.jsonl'));
    const files = await Promise.all(names.map(async (n) => ({ n, s: await stat(join(this.dir, n)) })));
    files.sort((a, b) => a.s.mtimeMs - b.s.mtimeMs);
    let total = files.reduce((sum, f) => sum + f.s.size, 0);
    const { maxFiles, maxTotalBytes } = this.limits;
    // keep room for the file about to be written
    while (files.length && (files.length >= maxFiles || total > maxTotalBytes)) {
      const f = files.shift()!;
      if (join(this.dir, f.n) === this.#file()) continue;
      await rm(join(this.dir, f.n), { force: true });
      total -= f.s.size;
      this.pruned++;
    }
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
