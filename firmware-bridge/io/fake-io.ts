import { EventEmitter } from 'node:events';

/**
 * A johnny-five IO plugin without hardware, for tests and the device simulator: drive input pin
 * levels with `setLevel` (a pull-up button reads 1 idle, 0 pressed) and read what was written to outputs.
 */
export class FakeIO extends EventEmitter {
  readonly name = 'FakeIO';
  readonly MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 } as const;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly pins = Array.from({ length: 64 }, () => ({
    supportedModes: [0, 1],
    mode: 0,
    value: 0,
    report: 1,
    analogChannel: 127,
  }));
  readonly analogPins: number[] = [];
  readonly defaultLed = 13;
  isReady = false;
  /** every digitalWrite in order, for assertions */
  readonly writes: { pin: number; value: number }[] = [];
  onWrite?: (pin: number, value: number) => void;
  #readers = new Map<number, ((value: number) => void)[]>();

  constructor() {
    super();
    // johnny-five waits for 'connect' then 'ready' (it postpones a 'ready' that comes first)
    process.nextTick(() => ((this.isReady = true), this.emit('connect'), this.emit('ready')));
  }
  pinMode(pin: number, mode: number): this {
    this.pins[pin].mode = mode;
    return this;
  }
  digitalRead(pin: number, cb: (value: number) => void): void {
    this.#readers.set(pin, [...(this.#readers.get(pin) ?? []), cb]);
  }
  digitalWrite(pin: number, value: number): void {
    this.pins[pin].value = value;
    this.writes.push({ pin, value });
    this.onWrite?.(pin, value);
  }
  /** a pin level as the board would report it (Firmata reports changes); pull-up writes set the idle level */
  setLevel(pin: number, value: 0 | 1): void {
    this.pins[pin].value = value;
    for (const cb of this.#readers.get(pin) ?? []) cb(value);
  }
  level(pin: number): number {
    return this.pins[pin].value;
  }
}
