/**
 * The presence state machine, pure (no IO, no clock): messages and sweeps in, transitions out.
 * All times are the collector's receive times (ms); a device's own clock never moves presence.
 *
 * Rules:
 * - a live 'online' availability or a live heartbeat makes a device online (one transition, then nothing);
 * - a retained replay (delivered on (re)subscribe) never makes a device online: a device that lost power
 *   without a last will leaves 'online' retained on the broker forever;
 * - an 'offline' availability (the last will) is held `graceMs`; the device's reconnect within it cancels it, so a
 *   broker restart (aedes publishes every will when it closes) is no offline storm;
 * - silence longer than `silenceMs` declares the device offline once, dated at its last sign of life
 *   (the time after it is unknown, and unknown is not up);
 * - after the collector's own link was down (no message from anyone for resumeGapMs), deadlines restart from
 *   the moment messages resumed;
 * - when every online device (≥ 2) falls silent together, the collector itself is the likely cause: wait
 *   `fleetHoldMs` more before declaring them all offline.
 */
export type PresenceSource = 'availability' | 'heartbeat' | 'silence' | 'registered' | 'checkpoint';
export type Transition = { device: string; online: boolean; at: number; source: PresenceSource };

export type DevicePresence = {
  /** null: never seen (unknown) */
  online: boolean | null;
  /** when the current state began */
  since: number;
  /** last live sign of life */
  lastSeen: number | null;
  /** an 'offline' availability waiting for its grace period */
  pendingOfflineAt: number | null;
};

export type TrackerOptions = { silenceMs: number; graceMs: number; resumeGapMs: number; fleetHoldMs: number };

export type TrackerCounters = { retainedIgnored: number; duplicates: number; cancelledOffline: number };

export class PresenceTracker {
  readonly #devices = new Map<string, DevicePresence>();
  #lastAnyAt = Number.NEGATIVE_INFINITY;
  #resumedAt = Number.NEGATIVE_INFINITY;
  readonly counters: TrackerCounters = { retainedIgnored: 0, duplicates: 0, cancelledOffline: 0 };

  constructor(readonly opts: TrackerOptions) {}

  /** Seed a device from stored history (collector start). */
  restore(device: string, online: boolean | null, since: number, lastSeen: number | null): void {
    this.#devices.set(device, { online, since, lastSeen, pendingOfflineAt: null });
  }

  /** The collector (re)connected to the broker, or just started: deadlines restart from here. */
  linkUp(at: number): void {
    this.#resumedAt = at;
    this.#lastAnyAt = at;
  }

  get(device: string): Readonly<DevicePresence> | undefined {
    return this.#devices.get(device);
  }

  devices(): IterableIterator<[string, Readonly<DevicePresence>]> {
    return this.#devices.entries();
  }

  availability(device: string, state: 'online' | 'offline', at: number, retained: boolean): Transition | null {
    this.#heard(at);
    const d = this.#device(device, at);
    if (state === 'online') {
      if (d.pendingOfflineAt !== null) {
        // a newer 'online' after the will: the device reconnected within the grace period
        d.pendingOfflineAt = null;
        this.counters.cancelledOffline++;
      }
      if (retained) {
        if (d.online !== true) this.counters.retainedIgnored++;
        return null;
      }
      return this.#becomeOnline(d, device, at, 'availability');
    }
    if (d.online === false) return this.#duplicate();
    if (d.online === null) return this.#set(d, device, false, at, 'availability');
    if (d.pendingOfflineAt === null) d.pendingOfflineAt = at;
    return null;
  }

  heartbeat(device: string, at: number, retained: boolean): Transition | null {
    this.#heard(at);
    const d = this.#device(device, at);
    if (retained) {
      this.counters.retainedIgnored++;
      return null;
    }
    if (d.pendingOfflineAt !== null) {
      d.pendingOfflineAt = null;
      this.counters.cancelledOffline++;
    }
    return this.#becomeOnline(d, device, at, 'heartbeat');
  }

  /** Timers: confirm held 'offline's and declare silent devices offline. */
  sweep(now: number): Transition[] {
    if (this.#fleetSilent(now)) return [];
    const out: Transition[] = [];
    for (const [device, d] of this.#devices) {
      if (d.online !== true) continue;
      const graceFrom = Math.max(d.pendingOfflineAt ?? 0, this.#resumedAt);
      if (d.pendingOfflineAt !== null && now - graceFrom >= this.opts.graceMs) {
        out.push(this.#set(d, device, false, d.pendingOfflineAt, 'availability'));
        continue;
      }
      const seen = d.lastSeen ?? d.since;
      if (now - Math.max(seen, this.#resumedAt) >= this.opts.silenceMs) {
        out.push(this.#set(d, device, false, d.pendingOfflineAt ?? Math.max(seen, d.since), 'silence'));
      }
    }
    return out;
  }

  #fleetSilent(now: number): boolean {
    let online = 0;
    for (const d of this.#devices.values()) if (d.online === true) online++;
    if (online < 2) return false;
    const quiet = now - Math.max(this.#lastAnyAt, this.#resumedAt);
    return quiet >= this.opts.silenceMs && quiet < this.opts.silenceMs + this.opts.fleetHoldMs;
  }

  #heard(at: number): void {
    if (at - this.#lastAnyAt >= this.opts.resumeGapMs) this.#resumedAt = at;
    this.#lastAnyAt = Math.max(this.#lastAnyAt, at);
  }

  #device(device: string, at: number): DevicePresence {
    let d = this.#devices.get(device);
    if (!d) {
      d = { online: null, since: at, lastSeen: null, pendingOfflineAt: null };
      this.#devices.set(device, d);
    }
    return d;
  }

  #becomeOnline(d: DevicePresence, device: string, at: number, source: PresenceSource): Transition | null {
    d.lastSeen = Math.max(d.lastSeen ?? at, at);
    if (d.online === true) return this.#duplicate();
    return this.#set(d, device, true, at, source);
  }

  #set(d: DevicePresence, device: string, online: boolean, at: number, source: PresenceSource): Transition {
    d.online = online;
    d.since = at;
    d.pendingOfflineAt = null;
    return { device, online, at, source };
  }

  #duplicate(): null {
    this.counters.duplicates++;
    return null;
  }
}
