import { FieldType, type IPoint } from 'influx';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import type { RefusalReason } from './errors.ts';
import type { MeasurementSchema } from './storage.ts';

export const REJECTION_SCHEMA: MeasurementSchema = {
  measurement: MEASUREMENTS.rejection,
  fields: { count: FieldType.INTEGER, detail: FieldType.STRING, topic: FieldType.STRING },
  tags: ['reason', 'channel', 'device'],
};

export type Rejection = { reason: RefusalReason; channel: string; device: string; detail: string; topic: string };

/**
 * One point per refused message. The nanosecond part is a per-process sequence, so two refusals in
 * the same millisecond never overwrite each other (each delivery of a bad message is counted).
 */
export function rejectionPoint(r: Rejection, receivedAt: number, seq: number): IPoint {
  return {
    measurement: MEASUREMENTS.rejection,
    tags: { reason: r.reason, channel: r.channel, device: r.device },
    fields: { count: 1, detail: r.detail.slice(0, 1000), topic: r.topic.slice(0, 200) },
    timestamp: (BigInt(Math.trunc(receivedAt)) * 1_000_000n + BigInt(seq % 1_000_000)).toString(),
  };
}

/** The id of a message that failed validation, when one can still be read (to acknowledge it). */
export function bestEffortId(bytes: Buffer): string | undefined {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as unknown;
    if (json && typeof json === 'object' && 'id' in json) {
      const id = (json as { id: unknown }).id;
      if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id)) return id;
    }
  } catch {
    /* not JSON: no id to acknowledge */
  }
  return undefined;
}
