import { FieldType, type IPoint, type ISchemaOptions } from 'influx';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';

import { BrokerRefusalsPayload } from '../devices/contract/broker-refusals.ts';

export { BROKER_REFUSALS_TOPIC } from '../devices/contract/broker-refusals.ts';

export const BROKER_SCHEMAS: Omit<ISchemaOptions, 'database'>[] = [
  { measurement: MEASUREMENTS.brokerRefusals, fields: { count: FieldType.INTEGER }, tags: ['reason'] },
  { measurement: MEASUREMENTS.brokerClients, fields: { clients: FieldType.INTEGER }, tags: [] },
];

/** Timestamped with the broker's `at`: the retained copy seen again after a restart overwrites itself. */
export function brokerRefusalPoints(bytes: Buffer): { ok: true; points: IPoint[] } | { ok: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}`.slice(0, 200) };
  }
  const r = BrokerRefusalsPayload.safeParse(json);
  if (!r.success) return { ok: false, detail: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const timestamp = new Date(r.data.at);
  const points: IPoint[] = Object.entries(r.data.refusals).map(([reason, count]) => ({
    measurement: MEASUREMENTS.brokerRefusals,
    tags: { reason },
    fields: { count },
    timestamp,
  }));
  points.push({ measurement: MEASUREMENTS.brokerClients, fields: { clients: r.data.clients }, timestamp });
  return { ok: true, points };
}
