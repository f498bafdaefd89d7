import { randomBytes } from 'node:crypto';
import type { InfluxDB } from 'influx';
import { inject } from 'vitest';
import { influxClient } from '../../infra/influx-client.ts';

/** A fresh database name on the suite's shared influxd, so test files never see each other's points. */
export function testDatabase(prefix = 't'): { url: string; database: string; influx: InfluxDB } {
  const url = inject('influxUrl');
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  const influx = influxClient(url, database);
  return { url, database, influx };
}
