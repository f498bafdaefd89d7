import type { InfluxDB } from 'influx';
import { RAW_RP } from '../devices/storage/retention.ts';

/** Other setup (e.g. continuous queries for daily aggregates) runs after the database and raw policy exist. */
export type SetupHook = (influx: InfluxDB, database: string) => Promise<void>;

/** Idempotent: create the database and make RAW_RP its default policy with the configured duration. */
export async function setupInflux(influx: InfluxDB, database: string, rawRetention: string, hooks: readonly SetupHook[]): Promise<void> {
  await influx.createDatabase(database);
  const policies = await influx.showRetentionPolicies(database);
  const rp = { database, duration: rawRetention, replication: 1, isDefault: true };
  if (policies.some((p) => p.name === RAW_RP)) await influx.alterRetentionPolicy(RAW_RP, rp);
  else await influx.createRetentionPolicy(RAW_RP, rp);
  for (const hook of hooks) await hook(influx, database);
}
