import type { IPoint } from 'influx';
import type { StatePayload } from '../../devices/contract/index.ts';
import type { DeviceTags } from '../../devices/registry/index.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';

/**
 * device_state: one point per live heartbeat, at the collector's receive time (device clocks may be skewed or
 * unsynced; the device's own `at` is kept as clock_offset_s so skew is visible). Speaker health:
 * relay_on, last_play_at, player_errors, schedule_version.
 */
export function statePoint(tags: DeviceTags, s: StatePayload, receivedAt: number): IPoint {
  const fields: Record<string, number | string | boolean> = {
    uptime_s: s.uptimeS,
    outbox_depth: s.outboxDepth,
    clock_synced: s.clockSynced,
    version: s.version,
    boot: s.boot,
  };
  if (s.at !== null) fields.clock_offset_s = (Date.parse(s.at) - receivedAt) / 1000;
  if (s.presses) {
    fields.presses_accepted = s.presses.accepted;
    fields.rejected_lockout = s.presses.rejected.lockout;
    fields.rejected_outbox_full = s.presses.rejected['outbox-full'];
    if (s.presses.rejected['dossier-used'] !== undefined)
      fields.rejected_dossier_used = s.presses.rejected['dossier-used'];
  }
  if (s.speaker) {
    fields.relay_on = s.speaker.relay === 'on' ? 1 : 0;
    fields.last_play_at = s.speaker.lastPlayAt ?? '';
    fields.player_errors = s.speaker.playerErrors;
    fields.schedule_version = s.speaker.scheduleVersion;
  }
  return { measurement: MEASUREMENTS.deviceState, tags: { ...tags }, fields, timestamp: new Date(receivedAt) };
}

export type Beat = { boot: string; uptimeS: number };

/**
 * The last live heartbeat per device, to recognise a replay without the retain flag: a heartbeat not newer
 * than the last one (same boot, uptime not larger) was stored already. Seeded from InfluxDB on start.
 */
export class HeartbeatLog {
  readonly #last = new Map<string, Beat>();

  has(device: string): boolean {
    return this.#last.has(device);
  }

  record(device: string, beat: Beat): void {
    this.#last.set(device, beat);
  }

  isReplay(device: string, beat: Beat): boolean {
    const last = this.#last.get(device);
    return !!last && last.boot === beat.boot && beat.uptimeS <= last.uptimeS;
  }
}
