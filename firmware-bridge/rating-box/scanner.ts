import { closeSync, constants, createReadStream, openSync, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { ScanDecoder, type RecordBytes } from './input-events.ts';

export type ScannerOptions = { device: string; recordBytes: RecordBytes; reopenMs: number; maxLength: number };

/**
 * A USB barcode/QR scanner read as a keyboard through Linux input events (/dev/input/eventN, or a
 * /dev/input/by-id/...-event-kbd link that survives re-plugging). When the device disappears (unplugged)
 * or the stream ends, it is opened again after `reopenMs`; a regular file (tests, replays) is read on
 * from where it stopped. Needs read access to the device (the bridge user in group "input").
 */
export class ScannerInput {
  readonly decoder: ScanDecoder;
  #stream?: ReadStream;
  #opening = false;
  #offset = 0;
  #regular = false;
  #timer?: { cancel(): void };
  #stopped = false;
  opens = 0;
  errors = 0;

  constructor(
    private readonly opts: ScannerOptions,
    onCode: (code: string) => void,
    private readonly deps: { clock: Clock; log: Logger },
  ) {
    this.decoder = new ScanDecoder(onCode, { recordBytes: opts.recordBytes, maxLength: opts.maxLength });
  }

  start(): void {
    void this.#open();
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    let regular = false;
    try {
      regular = (await stat(this.opts.device)).isFile();
    } catch (err) {
      this.#retry(err);
      return;
    }
    if (this.#stopped) return;
    this.#regular = regular;
    this.#opening = true;
    const stream = createReadStream(this.opts.device, regular ? { start: this.#offset } : {});
    this.#stream = stream;
    stream.on('open', () => {
      this.#opening = false;
      this.opens++;
    });
    stream.on('data', (chunk) => {
      const buf = chunk as Buffer;
      if (regular) this.#offset += buf.length;
      this.decoder.push(buf);
    });
    stream.on('error', (err) => this.#retry(err));
    stream.on('end', () => this.#retry());
  }

  #retry(err?: unknown): void {
    this.#opening = false;
    this.#stream?.destroy();
    this.#stream = undefined;
    if (this.#stopped) return;
    if (err) {
      this.errors++;
      this.deps.log.warn({ err: (err as Error).message, device: this.opts.device }, 'scanner not readable; retrying');
    }
    this.#timer?.cancel();
    this.#timer = this.deps.clock.setTimeout(() => void this.#open(), this.opts.reopenMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    const stream = this.#stream;
    this.#stream = undefined;
    if (!stream) return;
    if (this.#opening) {
      // opening a FIFO blocks until a writer appears; become that writer for a moment so the open returns
      try {
        closeSync(openSync(this.opts.device, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        /* not a FIFO, or already gone */
      }
    }
    const closed = new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy();
      if (stream.closed) resolve();
    });
    // a read of an input device (or FIFO) blocks until the next key event and cannot be cancelled: the
    // stream closes then, or at process exit; only a regular file is waited for
    if (this.#regular) await closed;
  }
}
