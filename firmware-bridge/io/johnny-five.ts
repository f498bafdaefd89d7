import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { BridgeError } from '../errors.ts';
import type { DigitalInput, DigitalOutput, GpioBoard, OutputKind, PinId } from './io.ts';

/**
 * The johnny-five adapter of GpioBoard. johnny-five ships no types; the few classes used are typed here.
 * Field: an Arduino running StandardFirmata over USB (johnny-five's default serialport Firmata), or the
 * Pi's own GPIO through an IO plugin (raspi-io, Pi 1–4 only: it sits on pigpio; a Pi 5 needs a
 * libgpiod-based plugin passed as `io`). johnny-five 2.x ignores its debounce option: units debounce.
 */
type J5Emitter = {
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  once(event: string, fn: (...args: unknown[]) => void): unknown;
};
type J5Board = J5Emitter & {
  io: { digitalWrite?(pin: PinId, v: number): void; close?(): void; transport?: { close?(cb?: () => void): void } };
};
// johnny-five 2.1's Relay has close()/open() (closed circuit = on), not on()/off()
type J5Output = { on?(): void; off?(): void; close?(): void; open?(): void; stop?(): void };
type J5 = {
  Board: new (opts: Record<string, unknown>) => J5Board;
  Button: new (opts: Record<string, unknown>) => J5Emitter;
  Led: new (opts: Record<string, unknown>) => J5Output;
  Relay: new (opts: Record<string, unknown>) => J5Output;
};

const requireCjs = createRequire(import.meta.url);
let five: J5 | undefined;
function j5(): J5 {
  five ??= requireCjs('johnny-five') as J5;
  return five;
}

export type J5BoardOptions =
  /** an IO plugin instance (FakeIO, raspi-io, a libgpiod plugin, ...) */
  | { io: EventEmitter; timeoutMs?: number }
  /** Firmata over a serial port; no port = johnny-five's auto-detection */
  | { port?: string; timeoutMs?: number };

/** Open a johnny-five board and wait for 'ready' (rejects with BRIDGE_IO_TIMEOUT / BRIDGE_IO_ERROR). */
export async function openJohnnyFiveBoard(opts: J5BoardOptions, name = 'johnny-five'): Promise<GpioBoard> {
  const { Board } = j5();
  const board = new Board({
    ...('io' in opts ? { io: opts.io } : opts.port ? { port: opts.port } : {}),
    repl: false,
    debug: false,
    sigint: false,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new BridgeError('BRIDGE_IO_TIMEOUT', `board not ready after ${opts.timeoutMs ?? 30_000} ms`)),
      opts.timeoutMs ?? 30_000,
    );
    board.once('ready', () => (clearTimeout(timer), resolve()));
    board.once(
      'error',
      (err) => (
        clearTimeout(timer), reject(new BridgeError('BRIDGE_IO_ERROR', String((err as Error)?.message ?? err)))
      ),
    );
  });
  return new JohnnyFiveGpio(board, name);
}

/** Raspberry Pi GPIO through raspi-io, loaded only when asked for (not installed by default; x64 cannot build it). */
export async function openRaspiBoard(timeoutMs?: number): Promise<GpioBoard> {
  let mod: { RaspiIO?: new () => EventEmitter; default?: unknown };
  try {
    mod = (await import('raspi-io' as string)) as typeof mod;
  } catch {
    throw new BridgeError(
      'BRIDGE_IO_PLUGIN_MISSING',
      'raspi-io chưa được cài: chạy `npm install raspi-io` trên Pi 1–4 (Pi 5: cần một IO plugin dựa trên libgpiod) / raspi-io is not installed',
    );
  }
  const RaspiIO = (mod.RaspiIO ??
    (mod.default as { RaspiIO?: new () => EventEmitter })?.RaspiIO) as new () => EventEmitter;
  return openJohnnyFiveBoard({ io: new RaspiIO(), timeoutMs }, 'raspi');
}

class JohnnyFiveGpio implements GpioBoard {
  #outputs: DigitalOutput[] = [];
  constructor(
    readonly board: J5Board,
    readonly name: string,
  ) {}

  input(pin: PinId, opts: { pullUp?: boolean } = {}): DigitalInput {
    const pullUp = opts.pullUp ?? true;
    // pull-up inverts: johnny-five reports 'down' when the pin reads LOW
    const button = new (j5().Button)({ pin, board: this.board, isPullup: pullUp, invert: pullUp });
    const listeners: ((active: boolean) => void)[] = [];
    button.on('down', () => listeners.forEach((fn) => fn(true)));
    button.on('up', () => listeners.forEach((fn) => fn(false)));
    return { pin, onChange: (fn) => void listeners.push(fn) };
  }

  output(pin: PinId, kind: OutputKind): DigitalOutput {
    const { Led, Relay } = j5();
    const device =
      kind === 'relay' ? new Relay({ pin, board: this.board, type: 'NO' }) : new Led({ pin, board: this.board });
    let on = false;
    const out: DigitalOutput = {
      pin,
      kind,
      get on() {
        return on;
      },
      set(value: boolean) {
        on = value;
        if (value) (device.on ?? device.close)!.call(device);
        else (device.off ?? device.open)!.call(device);
      },
    };
    out.set(false);
    this.#outputs.push(out);
    return out;
  }

  async close(): Promise<void> {
    for (const out of this.#outputs) out.set(false);
    this.#outputs = [];
    const transport = this.board.io.transport;
    if (transport?.close) await new Promise<void>((resolve) => transport.close!(() => resolve()));
  }
}
