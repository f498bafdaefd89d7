/**
 * The project's own hardware interface. Units (rating box, loudspeaker) talk to this, never to
 * johnny-five directly: johnny-five is one adapter (unmaintained since 2023), a libgpiod one can replace it.
 *
 * Levels are logical: an input is `active` when its button is pressed (with a pull-up, that is the pin
 * reading LOW); an output `set(true)` turns the LED / buzzer / relay on.
 */
export type PinId = number | string;

export interface DigitalInput {
  readonly pin: PinId;
  /** called on every edge the adapter sees (bounces included: debouncing is the unit's job) */
  onChange(fn: (active: boolean) => void): void;
}

export type OutputKind = 'led' | 'buzzer' | 'relay';

export interface DigitalOutput {
  readonly pin: PinId;
  readonly kind: OutputKind;
  /** synchronous: the write is issued to the IO layer before it returns */
  set(on: boolean): void;
  readonly on: boolean;
}

export interface GpioBoard {
  readonly name: string;
  /** a button wired to ground with the pin's pull-up enabled (the rating box's buttons) */
  input(pin: PinId, opts?: { pullUp?: boolean }): DigitalInput;
  output(pin: PinId, kind: OutputKind): DigitalOutput;
  /** turn every output off and release the IO */
  close(): Promise<void>;
}
