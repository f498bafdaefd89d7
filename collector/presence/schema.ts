import { FieldType } from 'influx';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';
import { DEVICE_TAGS, type MeasurementSchema } from '../storage.ts';

/**
 * InfluxDB schemas of what presence, device state, cameras and alerts write (devices/storage/measurements.ts documents them):
 * the core coerces field types with them (online → 1i) and refuses a stray tag or field at batching time.
 */

export const PRESENCE_SCHEMA: MeasurementSchema = {
  measurement: MEASUREMENTS.presence,
  fields: { online: FieldType.INTEGER, source: FieldType.STRING },
  tags: [...DEVICE_TAGS],
};

export const DEVICE_STATE_SCHEMA: MeasurementSchema = {
  measurement: MEASUREMENTS.deviceState,
  fields: {
    uptime_s: FieldType.FLOAT,
    outbox_depth: FieldType.INTEGER,
    clock_synced: FieldType.BOOLEAN,
    version: FieldType.STRING,
    boot: FieldType.STRING,
    clock_offset_s: FieldType.FLOAT,
    presses_accepted: FieldType.INTEGER,
    rejected_lockout: FieldType.INTEGER,
    rejected_outbox_full: FieldType.INTEGER,
    rejected_dossier_used: FieldType.INTEGER,
    relay_on: FieldType.INTEGER,
    last_play_at: FieldType.STRING,
    player_errors: FieldType.INTEGER,
    schedule_version: FieldType.INTEGER,
  },
  tags: [...DEVICE_TAGS],
};

export const CAMERA_SCHEMA: MeasurementSchema = {
  measurement: MEASUREMENTS.camera,
  fields: { up: FieldType.INTEGER, latency_ms: FieldType.FLOAT, error: FieldType.STRING, status: FieldType.INTEGER },
  tags: [...DEVICE_TAGS, 'camera'],
};

export const ALERT_SCHEMA: MeasurementSchema = {
  measurement: MEASUREMENTS.alert,
  fields: {
    id: FieldType.STRING,
    incident: FieldType.STRING,
    message: FieldType.STRING,
    since: FieldType.STRING,
    open: FieldType.INTEGER,
  },
  tags: [...DEVICE_TAGS, 'alert', 'state', 'subject'],
};

export const PRESENCE_SCHEMAS: readonly MeasurementSchema[] = [
  PRESENCE_SCHEMA,
  DEVICE_STATE_SCHEMA,
  CAMERA_SCHEMA,
  ALERT_SCHEMA,
];
