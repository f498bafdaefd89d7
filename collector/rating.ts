import { FieldType } from 'influx';
import { EPOCH_FLOOR } from '../devices/contract/time.ts';
import { levelValue } from '../devices/levels.ts';
import { DossierLedger } from './dossier-ledger.ts';
import type { CollectorExtension, HandleResult, InboundMessage, CollectorContext } from './extension.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import { DEVICE_TAGS } from './storage.ts';
import { idTimestampNs } from './timestamp.ts';

/** A press reported more than this far after the collector received it comes from a wrong clock. */
export const MAX_FUTURE_MS = 5 * 60_000;

export const RATING_TAGS = [...DEVICE_TAGS, 'level', 'time_quality', 'procedure', 'officer'];

/** how often the dossier ledger is retried while InfluxDB could not be read at start */
export const LEDGER_RETRY_MS = 30_000;
/** how long the collector's start waits for the dossier ledger */
export const LEDGER_START_WAIT_MS = 5_000;

/**
 * One citizen rating → one point. The time must be plausible (not before EPOCH_FLOOR, not more than
 * 5 min ahead of reception). An implausible time cannot be put on the time axis without lying, so the
 * rating is refused as 'rating-time-implausible': the rejection point keeps the whole payload (the
 * level is recoverable by an operator) and the core still acknowledges the id, because the device
 * would otherwise resend a message that can never become valid and fill its outbox.
 *
 * One rating per dossier: a rating whose dossier another rating already holds is refused as
 * 'rating-dossier-duplicate' (counted, acknowledged, kept in the rejection point), whichever box sent it.
 */
export class RatingExtension implements CollectorExtension {
  readonly name = 'rating';
  readonly channels = ['rating'] as const;
  readonly dossiers = new DossierLedger();
  #retry?: { cancel(): void };
  #stopped = false;
  readonly schema = [
    {
      measurement: MEASUREMENTS.rating,
      fields: { value: FieldType.INTEGER, id: FieldType.STRING, dossier: FieldType.STRING },
      tags: RATING_TAGS,
    },
  ];

  async start(ctx: CollectorContext): Promise<void> {
    const attempt = async () => {
      try {
        await this.dossiers.load(ctx.query, ctx.log);
      } catch (err) {
        ctx.log.warn(
          { code: 'DOSSIER_LEDGER_UNLOADED', err: (err as Error).message },
          'dossier ledger not loaded; the boxes still refuse their own duplicates; retrying',
        );
        if (!this.#stopped) this.#retry = ctx.clock.setTimeout(() => void attempt(), LEDGER_RETRY_MS);
      }
    };
    // a hanging InfluxDB must not hold the collector's start: wait a little, then load in the background
    let waited: { cancel(): void } | undefined;
    await Promise.race([
      attempt(),
      new Promise<void>((resolve) => (waited = ctx.clock.setTimeout(resolve, LEDGER_START_WAIT_MS))),
    ]);
    waited?.cancel();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#retry?.cancel();
  }

  handle(msg: InboundMessage, ctx: CollectorContext): HandleResult {
    if (msg.channel !== 'rating') return { reject: 'wrong-channel', detail: `rating extension got ${msg.channel}` };
    const p = msg.payload;
    const at = Date.parse(p.at);
    if (at < EPOCH_FLOOR || at > msg.receivedAt + MAX_FUTURE_MS) {
      return {
        reject: 'rating-time-implausible',
        detail: `at ${p.at} received ${new Date(msg.receivedAt).toISOString()}; payload ${JSON.stringify(p)}`,
      };
    }
    // a box configured with fewer buttons (registry `levels`) cannot have pressed another level: a forged or
    // misconfigured device; refused and counted, and acknowledged like any refusal so it is not resent forever
    const device = msg.entry.device;
    const levels = device.kind === 'rating-box' ? device.levels : undefined;
    if (levels && !levels.includes(p.level)) {
      return {
        reject: 'rating-level-not-on-device',
        detail: `level ${p.level} not in [${levels.join(', ')}]; payload ${JSON.stringify(p)}`,
      };
    }
    const tags: Record<string, string> = {
      ...ctx.registry.deviceTags(msg.entry),
      level: p.level,
      time_quality: p.time,
    };
    if (p.procedure) tags.procedure = p.procedure;
    if (p.officer) tags.officer = p.officer;
    if (p.dossier) {
      const key = DossierLedger.key(tags.province ?? '', p.dossier);
      const holder = this.dossiers.heldByOther(key, p.id);
      if (holder) {
        return {
          reject: 'rating-dossier-duplicate',
          detail: `dossier ${p.dossier} already rated by ${holder}; payload ${JSON.stringify(p)}`,
        };
      }
      this.dossiers.hold(key, p.id);
    }
    const point = {
      measurement: MEASUREMENTS.rating,
      tags,
      fields: { value: levelValue(p.level), id: p.id, ...(p.dossier ? { dossier: p.dossier } : {}) },
      timestamp: idTimestampNs(at, p.id),
    };
    return { points: [point], ackId: p.id };
  }
}
