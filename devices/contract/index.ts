import type { z } from 'zod';
import { parseTopic, type Channel, type TopicError } from '../topics.ts';
import { AckPayload } from './ack.ts';
import { AlertPayload } from './alert.ts';
import { AvailabilityPayload } from './availability.ts';
import { BroadcastLogPayload, SchedulePayload, ScheduleStatusPayload } from './broadcast.ts';
import { CameraPayload } from './camera.ts';
import { DossierBindingPayload } from './dossier.ts';
import { RatingPayload } from './rating.ts';
import { StatePayload } from './state.ts';
import { ReleaseAnnouncementPayload, UpdateStatusPayload } from './update.ts';
import { issuesDetail } from '../../infra/zod-issues.ts';

export * from './ack.ts';
export * from './alert.ts';
export * from './availability.ts';
export * from './broadcast.ts';
export * from './camera.ts';
export * from './dossier.ts';
export * from './rating.ts';
export * from './state.ts';
export * from './stream.ts';
export * from './time.ts';
export * from './update.ts';
export * from './provisioning.ts';

/** Every channel has exactly one payload schema; the compiler finds a channel that lacks one. */
export const PAYLOADS = {
  availability: AvailabilityPayload,
  state: StatePayload,
  rating: RatingPayload,
  camera: CameraPayload,
  'broadcast-log': BroadcastLogPayload,
  'schedule-status': ScheduleStatusPayload,
  ack: AckPayload,
  schedule: SchedulePayload,
  'schedule-district': SchedulePayload,
  'schedule-province': SchedulePayload,
  dossier: DossierBindingPayload,
  alert: AlertPayload,
  'update-status': UpdateStatusPayload,
  release: ReleaseAnnouncementPayload,
} as const satisfies Record<Channel, z.ZodType>;

export type Payload<C extends Channel> = z.infer<(typeof PAYLOADS)[C]>;

/** The largest payload any channel needs (a schedule document is the largest); the broker refuses bigger ones. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

export type DecodeError = TopicError | 'payload-too-large' | 'payload-not-json' | 'payload-invalid';

export type Decoded = { [C in Channel]: { ok: true; deviceId: string; channel: C; payload: Payload<C> } }[Channel];
export type DecodeResult =
  | Decoded
  | { ok: false; error: DecodeError; detail: string; deviceId?: string; channel?: Channel };

/** Parse topic and bytes against the contract. Never throws: a bad message is data to count. */
export function decode(topic: string, bytes: Uint8Array | string): DecodeResult {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return { ok: false, error: parsed.error, detail: `topic ${JSON.stringify(topic.slice(0, 200))}` };
  const { deviceId, channel } = parsed.value;
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    return { ok: false, error: 'payload-too-large', detail: `${size} bytes > ${MAX_PAYLOAD_BYTES}`, deviceId, channel };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { ok: false, error: 'payload-not-json', detail: (err as Error).message.slice(0, 200), deviceId, channel };
  }
  const result = PAYLOADS[channel].safeParse(json);
  if (!result.success) {
    const detail = issuesDetail(result.error.issues, { limit: 5, root: '(root)' });
    return { ok: false, error: 'payload-invalid', detail, deviceId, channel };
  }
  return { ok: true, deviceId, channel, payload: result.data } as Decoded;
}

/** Serialize a payload after checking it against the contract (a device never sends what the collector would refuse). */
export function encode<C extends Channel>(channel: C, payload: Payload<C>): Buffer {
  const checked = PAYLOADS[channel].parse(payload);
  return Buffer.from(JSON.stringify(checked));
}
export * from './broker-refusals.ts';
