import { randomBytes } from 'node:crypto';
import { InfluxDB } from 'influx';
import { inject } from 'vitest';

/** A fresh database name on the suite's shared influxd, so test files never see each other's points. */
export function testDatabase(prefix = 't'): { url: string; database: string; influx: InfluxDB } {
  const url = inject('influxUrl');
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  const u = new URL(url);
  const influx = new InfluxDB({ host: u.hostname, port: Number(u.port), database });
  return { url, database, influx };
}
