import type { InfluxDB } from 'influx';
import { BroadcastLogPayload } from '../devices/contract/broadcast.ts';
import type { Logger } from '../infra/logger.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import type { Clock } from '../infra/clock.ts';
import type { Area } from './area.ts';
import type { Feedback } from './feedback.ts';
import { influxClient } from '../infra/influx-client.ts';

type Row = {
  time: Date;
  id: string;
  announcement: string;
  device: string;
  hamlet?: string;
  outcome: string;
  priority?: string;
  occurrence: string;
  started_at?: string;
  ended_at?: string;
  reason?: string;
};

/**
 * Second source of speaker logs: the collector's broadcast_log measurement. It fills what the console
 * missed while it was down (the MQTT subscription only sees live logs); ids make both sources count once.
 */
export class InfluxLogReader {
  readonly stats = { polls: 0, rows: 0, errors: 0 };
  #timer?: { cancel(): void };
  readonly #influx: InfluxDB;

  constructor(
    private readonly deps: {
      url: string;
      database: string;
      pollMs: number;
      area: Area;
      feedback: Feedback;
      clock: Clock;
      log: Logger;
      lookbackDays?: number;
    },
  ) {
    this.#influx = influxClient(deps.url, deps.database);
  }

  start(): void {
    const tick = async () => {
      await this.poll();
      this.#timer = this.deps.clock.setTimeout(() => void tick(), this.deps.pollMs);
    };
    void tick();
  }

  stop(): void {
    this.#timer?.cancel();
  }

  async poll(): Promise<void> {
    this.stats.polls++;
    const days = this.deps.lookbackDays ?? 30;
    const communes = this.deps.area.communes.map((c) => `"commune" = '${c}'`).join(' OR ');
    let rows: Row[];
    try {
      rows = (await this.#influx.query(
        `SELECT * FROM "${MEASUREMENTS.broadcast}" WHERE time > now() - ${days}d AND (${communes})`,
      )) as unknown as Row[];
    } catch (err) {
      // a database that does not exist yet is not an error worth more than a counter
      this.stats.errors++;
      this.deps.log.debug({ err }, 'broadcast_log query failed');
      return;
    }
    for (const r of rows) {
      const parsed = BroadcastLogPayload.safeParse({
        v: 1,
        id: r.id,
        announcement: r.announcement,
        priority: r.priority ?? 'normal',
        occurrence: r.occurrence,
        outcome: r.outcome,
        ...(r.started_at ? { startedAt: r.started_at } : {}),
        ...(r.ended_at ? { endedAt: r.ended_at } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
      });
      if (!parsed.success) continue;
      this.stats.rows++;
      this.deps.feedback.log(r.device, r.hamlet ?? this.deps.area.speaker(r.device)?.hamlet ?? null, parsed.data);
    }
  }
}
