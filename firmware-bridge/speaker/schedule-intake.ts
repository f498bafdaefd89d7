import type { Issuer, SchedulePayload, ScheduleStatusPayload } from '../../devices/contract/broadcast.ts';
import { verifySchedule, type ScheduleRefusal } from '../../devices/schedule-signature.ts';
import type { ActiveSchedule } from './schedule-store.ts';

export type IntakeTarget = { speaker: string; hamlet: string; commune: string };

export type IntakeMessage = { ok: true; payload: SchedulePayload } | { ok: false; error: string; detail: string };

export type IntakeVerdict =
  | { kind: 'accepted'; active: ActiveSchedule; status: ScheduleStatusPayload }
  | { kind: 'refused'; reason: ScheduleRefusal; detail: string; status: ScheduleStatusPayload }
  /** the retained document it already runs, delivered again on reconnect */
  | { kind: 'unchanged' };

/** The bridge decodes against the contract first: an envelope without its `sig` arrives as an invalid message. */
function refusalOfInvalid(detail: string): ScheduleRefusal {
  return /(^|; )sig: /.test(detail) ? 'unsigned' : 'invalid';
}

/** Judge one message on tt/v1/<speaker>/schedule against the active schedule. Pure: the unit acts on the verdict. */
export function judgeSchedule(
  msg: IntakeMessage,
  active: ActiveSchedule | null,
  publicKey: string,
  target: IntakeTarget,
  at: string | null,
  /** the issuer this topic carries (default: the commune) */
  issuer?: Issuer,
): IntakeVerdict {
  const about = issuer && issuer.level !== 'commune' ? { issuer: issuer.level } : {};
  const activeVersion = active?.doc.version ?? 0;
  const refuse = (reason: ScheduleRefusal, detail: string, received?: number): IntakeVerdict => ({
    kind: 'refused',
    reason,
    detail,
    status: {
      v: 1,
      active: activeVersion,
      ...(received !== undefined ? { received } : {}),
      status: 'refused',
      reason,
      at,
      ...about,
    },
  });
  if (!msg.ok) return refuse(refusalOfInvalid(msg.detail), msg.detail);
  if (active && msg.payload.doc === active.payload.doc && msg.payload.sig === active.payload.sig)
    return { kind: 'unchanged' };
  const result = verifySchedule(msg.payload, publicKey, {
    ...target,
    minVersion: activeVersion + 1,
    ...(issuer ? { issuer } : {}),
  });
  if (!result.ok) return refuse(result.reason, result.detail, result.version);
  const version = result.doc.version;
  return {
    kind: 'accepted',
    active: { payload: msg.payload, doc: result.doc },
    status: { v: 1, active: version, received: version, status: 'accepted', at, ...about },
  };
}
