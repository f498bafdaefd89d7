import type { IPoint } from 'influx';
import type { StatePayload } from '../../devices/contract/index.ts';
import type { DeviceTags } from '../../devices/registry/index.ts';
import type { CollectorExtension } from '../extension.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import type { PresenceService } from './service.ts';
import { DEVICE_STATE_SCHEMA } from './schema.ts';

/**
 * device_state: one point per live heartbeat, at the collector's receive time (device clocks may be skewed or
 * unsynced; the device's own `at` is kept as clock_offset_s so skew is visible). Speaker health (issue 4):
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
    if (s.presses.rejected['dossier-used'] !== undefined) fields.rejected_dossier_used = s.presses.rejected['dossier-used'];
  }
  if (s.speaker) {
    fields.relay_on = s.speaker.relay === 'on' ? 1 : 0;
    fields.last_play_at = s.speaker.lastPlayAt ?? '';
    fields.player_errors = s.speaker.playerErrors;
    fields.schedule_version = s.speaker.scheduleVersion;
  }
  return { measurement: MEASUREMENTS.deviceState, tags: { ...tags }, fields, timestamp: new Date(receivedAt) };
}

/** The heartbeat channel: stores device_state and tells presence the device is alive. */
export function deviceStateExtension(service: PresenceService): CollectorExtension {
  return {
    name: 'device-state',
    channels: ['state'],
    schema: [DEVICE_STATE_SCHEMA],
    start: (ctx) => service.start(ctx),
    handle: (msg, ctx) => service.onState(msg, ctx),
    stop: () => service.stop(),
  };
}
