import { randomUUID } from 'node:crypto';
import type { BroadcastLogPayload } from '../../devices/contract/broadcast.ts';
import type { Logger } from '../../infra/logger.ts';
import type { BridgeContext } from '../unit.ts';
import type { SpeakerStats } from './issuer-slots.ts';
import { nextTurn } from './jobs.ts';
import type { Ledger } from './ledger.ts';
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

/**
 * Log an occurrence's outcome and put its broadcast log in the durable outbox, then mark it handled in the
 * ledger (so a reboot never plays or logs it twice). In the next turn of the event loop: whatever came in the
 * same read (a province's stop reaching several units of one process) is acted on before the logs are written.
 */
export function sendBroadcastLog(
  to: { outbox: BridgeContext['outbox']; log: Logger; ledger: Ledger; stats: SpeakerStats },
  occ: Occurrence,
  outcome: Outcome | PastVerdict,
): Promise<void> {
  const log = broadcastLog(occ, outcome);
  to.stats.logs[log.outcome]++;
  const { announcement, occurrence, reason, stream } = log as BroadcastLogPayload & { reason?: string };
  to.log.info({ announcement, occurrence, outcome: log.outcome, reason, stream }, 'broadcast');
  return nextTurn()
    .then(() => to.outbox.add('broadcast-log', log))
    .then(
      () => to.ledger.markHandled(occ.key, occ.start),
      (err: unknown) => {
        // the log is lost (e.g. outbox full) but the occurrence must never be played or logged twice
        to.stats.logsLost++;
        to.ledger.markHandled(occ.key, occ.start);
        to.log.error({ err, announcement }, 'broadcast log not stored');
      },
    );
}
