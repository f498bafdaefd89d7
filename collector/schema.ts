/**
 * What the collector stores in InfluxDB: the one place that names measurements, tags and fields.
 * Dashboards (dashboards/), the console and the review report (report/) query these names.
 *
 * Every device point carries the registry tags: province, district (absent for two-tier provinces),
 * commune, device, kind, and counter (rating boxes) or hamlet (speakers).
 */
export const DEFAULT_DATABASE = 'thanthien';
/** the default retention policy for raw points; duration configurable (collector config) */
export const RAW_RP = 'raw';

export const MEASUREMENTS = {
  /** one point per rating; fields: value (int 1..4, SATISFACTION_LEVELS), id (string); extra tags: level, time_quality */
  rating: 'rating',
  /** heartbeat; fields: uptime_s, outbox_depth, clock_synced (bool), version, presses_accepted, rejected_lockout, rejected_outbox_full */
  deviceState: 'device_state',
  /** availability transitions; fields: online (int 1|0), source (string: availability|will|silence|heartbeat) */
  presence: 'presence',
  /** every message refused by the collector; tags: reason, channel; fields: count (int 1), detail, topic */
  rejection: 'rejection',
  /** counter camera probes (issue 4); tags: camera; fields: up (int 1|0), latency_ms, error */
  camera: 'camera_status',
  /** loudspeaker occurrences (issue 3); tags: announcement, outcome; fields: id, occurrence, duration_s, reason */
  broadcast: 'broadcast_log',
  /** device alerts (issue 4) */
  alert: 'alert',
} as const;

export type Measurement = (typeof MEASUREMENTS)[keyof typeof MEASUREMENTS];
