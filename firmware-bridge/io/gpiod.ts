import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../infra/logger.ts';
import type { DigitalInput, DigitalOutput, GpioBoard, OutputKind, PinId } from './io.ts';

/**
 * GPIO through the kernel's character device with Debian's libgpiod tools (package `gpiod`, v1.6 in bookworm):
 * works on every Pi including the Pi 5, whose RP1 chip raspi-io/pigpio cannot drive.
 *   input:  one `gpiomon --bias=pull-up --format="%o %e" <chip> <pin>` per button; each output line is an edge
 *           (%e: 1 rising, 0 falling). With the pull-up, pressed = the pin low = a falling edge = active.
 *   output: `gpioset --mode=signal <chip> <pin>=<0|1>` holds the line until it is signalled. A line has one
 *           holder at a time, so a new value stops the old holder, waits for it to let go, then starts the new one
 *           (milliseconds; the LED/buzzer acknowledgement is not timing-critical). On close every line is set low.
 * Pi 5: the header's pins are on the chip labelled pinctrl-rp1 (gpiochip4 on kernels before 6.6, gpiochip0 after).
 */
export type GpiodOptions = {
  chip: string;
  gpiosetBin?: string;
  gpiomonBin?: string;
  log?: Logger;
};

/** the libgpiod tools' processes of one board: every one is stopped on close */
class GpiodTools {
  readonly children = new Set<ChildProcess>();
  closed = false;
  readonly gpioset: string;
  readonly gpiomon: string;

  constructor(readonly opts: GpiodOptions) {
    this.gpioset = opts.gpiosetBin ?? '/usr/bin/gpioset';
    this.gpiomon = opts.gpiomonBin ?? '/usr/bin/gpiomon';
  }

  run(bin: string, args: string[]): ChildProcess {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.on('error', (err) => this.opts.log?.error({ err: err.message, bin }, 'gpiod tool failed to start'));
    child.stderr!.on('data', (b: Buffer) =>
      this.opts.log?.warn({ bin, stderr: b.toString().trim().slice(0, 300) }, 'gpiod tool'),
    );
    return child;
  }

  /** `gpioset` for one line, holding it (signal) or setting it and letting go (exit) */
  set(pin: PinId, on: boolean, mode: 'signal' | 'exit'): ChildProcess {
    return this.run(this.gpioset, [`--mode=${mode}`, this.opts.chip, `${lineOffset(pin)}=${on ? 1 : 0}`]);
  }
}

function lineOffset(pin: PinId): string {
  const n = typeof pin === 'number' ? pin : Number(pin.replace(/^GPIO/i, ''));
  if (!Number.isInteger(n) || n < 0 || n > 511)
    throw new Error(`gpiod: pin ${String(pin)} is not a line offset (0-511 or GPIOn)`);
  return String(n);
}

function exited(c: ChildProcess): Promise<void> {
  return new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
}

class GpiodOutput implements DigitalOutput {
  #on = false;
  #holder?: ChildProcess;
  /** value changes in order: a line has one holder at a time (a second request would be refused EBUSY) */
  #chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly tools: GpiodTools,
    readonly pin: PinId,
    readonly kind: OutputKind,
  ) {}
  get on() {
    return this.#on;
  }
  set(on: boolean): void {
    if (this.tools.closed) return;
    this.#on = on;
    this.#chain = this.#chain.then(async () => {
      if (this.tools.closed || this.#on !== on) return; // superseded by a later set() or by close()
      await this.#release();
      this.#holder = this.tools.set(this.pin, on, 'signal');
    });
  }
  /** the line low and released (close) */
  async off(): Promise<void> {
    this.#on = false;
    await this.#chain;
    await this.#release();
    await exited(this.tools.set(this.pin, false, 'exit'));
  }
  async #release(): Promise<void> {
    const h = this.#holder;
    this.#holder = undefined;
    if (h) {
      h.kill('SIGTERM');
      await exited(h);
    }
  }
}

function gpiodInput(tools: GpiodTools, pin: PinId, pullUp: boolean): DigitalInput {
  const listeners: ((active: boolean) => void)[] = [];
  const child = tools.run(tools.gpiomon, [
    `--bias=${pullUp ? 'pull-up' : 'as-is'}`,
    '--format=%o %e',
    tools.opts.chip,
    lineOffset(pin),
  ]);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = /^(\d+)\s+([01])$/.exec(line.trim());
    if (!m) return;
    const high = m[2] === '1';
    // with the pull-up a pressed button pulls the line low
    const active = pullUp ? !high : high;
    for (const fn of listeners) fn(active);
  });
  return { pin, onChange: (fn) => void listeners.push(fn) };
}

export function openGpiodBoard(opts: GpiodOptions): GpioBoard {
  const tools = new GpiodTools(opts);
  const outputs: GpiodOutput[] = [];
  return {
    name: `gpiod (${opts.chip})`,
    input: (pin, o = {}) => gpiodInput(tools, pin, o.pullUp ?? true),
    output(pin, kind) {
      lineOffset(pin); // a bad pin is refused here, not later inside the value chain
      const out = new GpiodOutput(tools, pin, kind);
      outputs.push(out);
      out.set(false);
      return out;
    },
    async close() {
      if (tools.closed) return;
      tools.closed = true;
      // every output off and released, then the monitors stopped
      await Promise.all(outputs.map((o) => o.off()));
      for (const c of tools.children) c.kill('SIGTERM');
      await Promise.all([...tools.children].map(exited));
    },
  };
}
