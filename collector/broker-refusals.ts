import { FieldType, type IPoint, type ISchemaOptions } from 'influx';
import { z } from 'zod';
import { UtcTime } from '../devices/contract/time.ts';
import { MEASUREMENTS } from './schema.ts';

/**
 * The broker publishes its cumulative refusal counts, retained, on this topic
 * ({"v":1,"at","refusals":{reason:n},"clients":n}); the collector stores them so dashboards show
 * what the broker turned away (bad passwords, ACL, oversize…) next to what the collector refused.
 */
export const BROKER_REFUSALS_TOPIC = '$SYS/tt/broker/refusals';

export const BrokerRefusalsPayload = z.strictObject({
  v: z.literal(1),
  at: UtcTime,
  refusals: z.record(z.string().min(1).max(64), z.number().int().nonnegative()),
  clients: z.number().int().nonnegative(),
});
export type BrokerRefusalsPayload = z.infer<typeof BrokerRefusalsPayload>;

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
