import { randomUUID } from 'node:crypto';
import type { BroadcastLogPayload } from '../../devices/contract/broadcast.ts';
import type { Occurrence } from './occurrence.ts';
import type { Outcome } from './runner.ts';
import type { PastVerdict } from './scheduler.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The broadcast log of one occurrence (played: start and end; the duration is end − start). */
export function broadcastLog(occ: Occurrence, outcome: Outcome | PastVerdict): BroadcastLogPayload {
  const base = {
    v: 1 as const,
    id: randomUUID(),
    announcement: occ.item.announcement,
    priority: occ.item.priority,
    occurrence: iso(occ.start),
    outcome: outcome.outcome,
  };
  const stream = 'stream' in outcome && outcome.stream ? { stream: outcome.stream } : {};
  if (outcome.outcome === 'played')
    return { ...base, startedAt: iso(outcome.startedAt), endedAt: iso(outcome.endedAt), ...stream };
  const times =
    'startedAt' in outcome && outcome.startedAt !== undefined
      ? {
          startedAt: iso(outcome.startedAt),
          ...(outcome.endedAt !== undefined ? { endedAt: iso(outcome.endedAt) } : {}),
        }
      : {};
  return { ...base, ...times, reason: outcome.reason.slice(0, 200), ...stream };
}
