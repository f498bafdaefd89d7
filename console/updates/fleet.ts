import type { MqttClient } from 'mqtt';
import { decode, type UpdateStatusPayload } from '../../devices/contract/index.ts';
import { channelFilter } from '../../devices/topics.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Db } from '../store/db.ts';

export type DeviceUpdateView = {
  device: string;
  /** from the device's heartbeat */
  version: string | null;
  target: string | null;
  state: UpdateStatusPayload['state'] | null;
  reason: string | null;
  at: string | null;
};

/**
 * Each device's running version (its retained heartbeat) and update state (its retained update-status), kept in
 * the console's database so the view survives restarts. The table is this module's own.
 */
export class FleetVersions {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS device_updates (
      device TEXT PRIMARY KEY, version TEXT, target TEXT, state TEXT, reason TEXT, at TEXT
    )`);
  }

  /** subscribe on every connect (clean: false sessions are not resubscribed by mqtt.js) */
  attach(mqtt: MqttClient): void {
    mqtt.on('message', (topic, bytes) => this.handle(topic, bytes));
    const attempt = () =>
      mqtt.subscribe([channelFilter('update-status'), channelFilter('state')], { qos: 1 }, (err) => {
        if (err)
          this.log.warn({ err: err.message }, 'subscription to device versions failed; retried on the next connect');
      });
    mqtt.on('connect', attempt);
    if (mqtt.connected) attempt();
  }

  handle(topic: string, bytes: Buffer): void {
    if (!topic.endsWith('/update-status') && !topic.endsWith('/state')) return;
    const msg = decode(topic, bytes);
    if (!msg.ok) return;
    if (msg.channel === 'state') {
      this.db
        .prepare(
          `INSERT INTO device_updates (device, version) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET version = excluded.version`,
        )
        .run(msg.deviceId, msg.payload.version);
    } else if (msg.channel === 'update-status') {
      const p = msg.payload;
      this.db
        .prepare(
          `INSERT INTO device_updates (device, version, target, state, reason, at) VALUES (@device, @running, @target, @state, @reason, @at)
           ON CONFLICT (device) DO UPDATE SET version = excluded.version, target = excluded.target, state = excluded.state, reason = excluded.reason, at = excluded.at
           WHERE device_updates.at IS NULL OR device_updates.at <= excluded.at`,
        )
        .run({
          device: msg.deviceId,
          running: p.running,
          target: p.target,
          state: p.state,
          reason: p.reason ?? null,
          at: p.at,
        });
    }
  }

  get(device: string): DeviceUpdateView | undefined {
    return this.db
      .prepare('SELECT device, version, target, state, reason, at FROM device_updates WHERE device = ?')
      .get(device) as DeviceUpdateView | undefined;
  }
}
