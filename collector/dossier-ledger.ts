import type { Logger } from '../infra/logger.ts';
import { MEASUREMENTS } from '../devices/storage/measurements.ts';
import type { Query } from './storage.ts';

/**
 * Which dossiers already have a rating, and by which rating id: one rating per dossier, kept by the collector
 * as well as by the box because a box may be replaced (its own list is lost) or a dossier rated at two boxes.
 * Keyed by province + dossier number (the province's one-stop software numbers dossiers province-wide).
 * Loaded from InfluxDB at start, so it survives collector restarts; a redelivered rating (same id) is not a
 * duplicate, because QoS 1 and outbox replays deliver the same rating twice.
 */
export class DossierLedger {
  readonly #ratingOf = new Map<string, string>();
  #loaded = false;

  get loaded(): boolean {
    return this.#loaded;
  }

  static key(province: string, dossier: string): string {
    return `${province}|${dossier}`;
  }

  /** the id of the rating that already holds this dossier, when it is another rating */
  heldByOther(key: string, ratingId: string): string | undefined {
    const holder = this.#ratingOf.get(key);
    return holder !== undefined && holder !== ratingId ? holder : undefined;
  }

  hold(key: string, ratingId: string): void {
    if (!this.#ratingOf.has(key)) this.#ratingOf.set(key, ratingId);
  }

  /** reads every stored rating that carries a dossier (the raw retention keeps them two years) */
  async load(query: Query, log: Logger): Promise<void> {
    const rows = await query<{ province?: string; dossier: string; id: string }>(
      `SELECT "dossier", "id", "province" FROM "${MEASUREMENTS.rating}" WHERE "dossier" <> ''`,
    );
    // oldest first: the first rating of a dossier is the one that holds it
    for (const r of rows) if (r.dossier) this.hold(DossierLedger.key(r.province ?? '', r.dossier), r.id);
    this.#loaded = true;
    log.info({ dossiers: this.#ratingOf.size }, 'dossier ledger loaded');
  }
}
