import type { StatePayload } from '../devices/contract/state.ts';
import type { Clock } from '../infra/clock.ts';
import type { TrustedTime } from './unit.ts';

/** StatePayload, retained on tt/v1/<id>/state: on every connect and every `intervalMs`. Units add sections. */
export type Section = () => Partial<Pick<StatePayload, 'presses' | 'speaker'>>;

export type HeartbeatDeps = {
  clock: Clock;
  time: TrustedTime;
  boot: string;
  version: string;
  intervalMs: number;
  outboxDepth: () => number;
  publish: (payload: StatePayload) => void;
};

export class Heartbeat {
  readonly sections: Section[] = [];
  sectionErrors = 0;
  #startMono: number;
  #timer?: { cancel(): void };
  #running = false;

  constructor(private readonly deps: HeartbeatDeps) {
    this.#startMono = deps.clock.monotonic();
  }

  build(): StatePayload {
    const { clock, time, boot, version, outboxDepth } = this.deps;
    const synced = time.synced();
    let state: StatePayload = {
      v: 1,
      at: synced ? new Date(clock.now()).toISOString() : null,
      clockSynced: synced,
      boot,
      uptimeS: Math.max(0, (clock.monotonic() - this.#startMono) / 1000),
      version,
      outboxDepth: outboxDepth(),
    };
    for (const section of this.sections) {
      try {
        state = { ...state, ...section() };
      } catch {
        this.sectionErrors++; // one unit's broken section must not silence the heartbeat
      }
    }
    return state;
  }

  send(): void {
    this.deps.publish(this.build());
  }

  start(): void {
    this.#running = true;
    const tick = () => {
      if (!this.#running) return;
      this.send();
      this.#timer = this.deps.clock.setTimeout(tick, this.deps.intervalMs);
    };
    this.#timer = this.deps.clock.setTimeout(tick, this.deps.intervalMs);
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
  }
}
