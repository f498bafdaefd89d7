/**
 * What the collector stores in InfluxDB: the one place that names measurements, tags and fields.
 * The collector writes these names; the dashboards, the console and its review report query them.
 *
 * Every device point carries the registry tags: province, district (absent for two-tier provinces),
 * commune, device, kind, and counter (rating boxes) or hamlet (speakers).
 */
export const DEFAULT_DATABASE = 'thanthien';

export const MEASUREMENTS = {
  /**
   * one point per rating; fields: value (int 1..4, SATISFACTION_LEVELS), id (string), dossier (string, absent when the
   * rating has none); extra tags: level, time_quality, procedure and officer (absent when unknown).
   * Cardinality: a dossier number is unique per visit (millions a year), so it is a field, never a tag; a
   * procedure code (a few hundred per province) and an officer code (a few per counter) are bounded, so they are
   * tags that dashboards can group by.
   */
  rating: 'rating',
  /**
   * heartbeat, at the collector's receive time (live messages only, not retained replays); fields: uptime_s, outbox_depth,
   * clock_synced (bool), version, presses_accepted, rejected_lockout, rejected_outbox_full, boot (string),
   * clock_offset_s (device `at` − receive time, absent while unsynced) and speaker health: relay_on (1|0),
   * last_play_at (ISO string, '' if never), player_errors, schedule_version
   */
  deviceState: 'device_state',
  /**
   * availability transitions (the collector's presence module), at receive time; fields: online (1|0), source (string:
   * availability|heartbeat|silence, plus registered = seeded down for a device that never reported, and
   * checkpoint = the state at each Vietnam midnight so queries look back one day only). A silence verdict is
   * dated at the last sign of life. Uptime: devices/analytics/uptime.ts (uptime(), uptimeInfluxQL()).
   */
  presence: 'presence',
  /** every message refused by the collector; tags: reason, channel; fields: count (int 1), detail, topic */
  rejection: 'rejection',
  /** counter camera probes, at receive time; tags: camera; fields: up (1|0), latency_ms, error (CAMERA_PROBE_ERRORS), status (HTTP) */
  camera: 'camera_status',
  /** loudspeaker occurrences; tags: announcement, outcome; fields: id, occurrence, duration_s, reason */
  broadcast: 'broadcast_log',
  /**
   * device alerts (raised and recovered by the collector's presence module); tags: alert (offline|silent-box|camera-down), state (raised|recovered),
   * subject (camera id / half-day, absent otherwise); fields: id, incident (id of the raised alert), message, since (ISO
   * or ''), open (1|0). Read with devices/analytics/alerts.ts (recentAlerts, openAlerts).
   */
  alert: 'alert',
  /** the broker's cumulative refusal counts ($SYS/tt/broker/refusals, retained); tags: reason; fields: count (int, cumulative) */
  brokerRefusals: 'broker_refusals',
  /** connected clients as reported with the refusal counts; fields: clients (int) */
  brokerClients: 'broker_clients',
} as const;

export type Measurement = (typeof MEASUREMENTS)[keyof typeof MEASUREMENTS];
