import { FieldType } from 'influx';
import type { CollectorExtension, HandleResult, InboundMessage } from './extension.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import { DEVICE_TAGS } from './storage.ts';
import { idTimestampNs } from './timestamp.ts';

export const BROADCAST_TAGS = [...DEVICE_TAGS, 'announcement', 'outcome', 'priority'];

/**
 * What a loudspeaker did with one scheduled occurrence → one point in broadcast_log, at the
 * occurrence's scheduled start (so "what played this morning" is a time query), acknowledged by its id.
 * The console reads it back per announcement and hamlet.
 */
export class BroadcastLogExtension implements CollectorExtension {
  readonly name = 'broadcast-log';
  readonly channels = ['broadcast-log'] as const;
  readonly schema = [
    {
      measurement: MEASUREMENTS.broadcast,
      fields: {
        id: FieldType.STRING,
        occurrence: FieldType.STRING,
        started_at: FieldType.STRING,
        ended_at: FieldType.STRING,
        duration_s: FieldType.FLOAT,
        reason: FieldType.STRING,
        stream_played_s: FieldType.FLOAT,
        stream_gaps: FieldType.INTEGER,
        stream_gap_s: FieldType.FLOAT,
      },
      tags: BROADCAST_TAGS,
    },
  ];

  handle(msg: InboundMessage, ctx: Parameters<CollectorExtension['handle']>[1]): HandleResult {
    if (msg.channel !== 'broadcast-log')
      return { reject: 'wrong-channel', detail: `broadcast-log extension got ${msg.channel}` };
    const p = msg.payload;
    const fields: Record<string, string | number> = { id: p.id, occurrence: p.occurrence };
    if (p.startedAt) fields.started_at = p.startedAt;
    if (p.endedAt) fields.ended_at = p.endedAt;
    if (p.startedAt && p.endedAt)
      fields.duration_s = Math.max(0, (Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000);
    if (p.reason) fields.reason = p.reason;
    if (p.stream)
      Object.assign(fields, {
        stream_played_s: p.stream.playedS,
        stream_gaps: p.stream.gaps,
        stream_gap_s: p.stream.gapS,
      });
    const point = {
      measurement: MEASUREMENTS.broadcast,
      tags: {
        ...ctx.registry.deviceTags(msg.entry),
        announcement: p.announcement,
        outcome: p.outcome,
        priority: p.priority,
      },
      fields,
      timestamp: idTimestampNs(Date.parse(p.occurrence), p.id),
    };
    return { points: [point], ackId: p.id };
  }
}
