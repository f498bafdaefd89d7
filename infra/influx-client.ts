import { InfluxDB, type ISingleHostConfig } from 'influx';

/**
 * An InfluxDB 1.x client for a server URL (http or https; without a port, 8086 for http as influxd listens, 443
 * for https as behind a TLS proxy) and its database. `more`: credentials, schemas, options of the client.
 */
export function influxClient(
  url: string,
  database: string,
  more: Omit<ISingleHostConfig, 'host' | 'port' | 'protocol' | 'database'> = {},
): InfluxDB {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (https ? 443 : 8086)),
    protocol: https ? 'https' : 'http',
    database,
    ...more,
  });
}
