import { FieldType, type IPoint } from 'influx';
import { BROKER_REFUSALS_PREFIX, BrokerRefusalsPayload } from '../devices/contract/broker-refusals.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import { issuesDetail } from '../infra/zod-issues.ts';
import type { MeasurementSchema } from './storage.ts';

export { BROKER_REFUSALS_FILTER } from '../devices/contract/broker-refusals.ts';

/** a node's refusal-count topic ($SYS/tt/broker/refusals/<node>) */
export const isBrokerRefusalsTopic = (topic: string) =>
  topic.startsWith(BROKER_REFUSALS_PREFIX) && !topic.includes('/', BROKER_REFUSALS_PREFIX.length);

export const BROKER_SCHEMAS: MeasurementSchema[] = [
  { measurement: MEASUREMENTS.brokerRefusals, fields: { count: FieldType.INTEGER }, tags: ['reason', 'node'] },
  { measurement: MEASUREMENTS.brokerClients, fields: { clients: FieldType.INTEGER }, tags: ['node'] },
];

/**
 * Timestamped with the broker's `at`: the retained copy seen again after a restart overwrites itself. Tagged with
 * the node (each node counts its own refusals; a dashboard sums the nodes' last counts).
 */
export function brokerRefusalPoints(
  topic: string,
  bytes: Buffer,
): { ok: true; points: IPoint[] } | { ok: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}`.slice(0, 200) };
  }
  const r = BrokerRefusalsPayload.safeParse(json);
  if (!r.success) return { ok: false, detail: issuesDetail(r.error.issues, { limit: 5 }) };
  const node = topic.slice(BROKER_REFUSALS_PREFIX.length);
  if (r.data.node !== node)
    return {
      ok: false,
      detail: `node ${JSON.stringify(r.data.node)} published on the topic of ${JSON.stringify(node)}`,
    };
  const timestamp = new Date(r.data.at);
  const points: IPoint[] = Object.entries(r.data.refusals).map(([reason, count]) => ({
    measurement: MEASUREMENTS.brokerRefusals,
    tags: { reason, node },
    fields: { count },
    timestamp,
  }));
  points.push({
    measurement: MEASUREMENTS.brokerClients,
    tags: { node },
    fields: { clients: r.data.clients },
    timestamp,
  });
  return { ok: true, points };
}
