import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The kernel's random boot id: it changes at every boot, and the monotonic clock restarts with it. */
export function readBootId(path = '/proc/sys/kernel/random/boot_id'): string {
  try {
    return readFileSync(path, 'utf8').trim() || randomUUID();
  } catch {
    // not Linux: one id per process is the closest honest answer (monotonic time restarts per process there)
    return randomUUID();
  }
}

export type SyncPoint = { wall: number; mono: number };

/**
 * The boots this device has seen, in order, and the instant each boot's clock became trusted.
 * A small fsynced JSONL file: the time of an unsynced press of an earlier boot is resolved from it
 * (see resolve.ts). A torn last line is ignored.
 */
export class BootHistory {
  readonly order: string[] = [];
  readonly syncs = new Map<string, SyncPoint>();

  constructor(readonly path: string) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      /* first start */
    }
    for (const line of text.split('\n')) {
      try {
        this.#apply(JSON.parse(line));
      } catch {
        /* blank or torn line */
      }
    }
  }

  #apply(rec: { boot?: unknown; wall?: unknown; mono?: unknown }): void {
    if (typeof rec.boot !== 'string') return;
    if (!this.order.includes(rec.boot)) this.order.push(rec.boot);
    if (typeof rec.wall === 'number' && typeof rec.mono === 'number' && !this.syncs.has(rec.boot)) {
      this.syncs.set(rec.boot, { wall: rec.wall, mono: rec.mono });
    }
  }

  #write(rec: object): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `\n${JSON.stringify(rec)}\n`); // leading newline: a torn previous line cannot swallow this one
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#apply(rec);
  }

  /** remember this boot (once) */
  noteBoot(boot: string): void {
    if (this.order.at(-1) !== boot && !this.order.includes(boot)) this.#write({ boot });
  }

  /** remember when this boot's clock became trusted (once per boot) */
  noteSync(boot: string, point: SyncPoint): void {
    if (!this.syncs.has(boot)) this.#write({ boot, ...point });
  }
}
