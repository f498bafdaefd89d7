import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DossierNumber, OfficerCode, ProcedureCode } from '../../devices/contract/dossier.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { vnDate } from '../../devices/time/vietnam.ts';
import type { TrustedTime } from '../unit.ts';

export type BindingOptions = {
  /** a bound dossier waits this long for its rating, then is dropped (the citizen left without rating) */
  bindingTtlMs: number;
  /** a scanned code starting with this is an officer's badge; the prefix alone signs the officer off */
  badgePrefix: string;
  /** extracts the dossier number from a scanned code (first capture group), e.g. from a QR code's URL */
  dossierPattern?: RegExp;
};

export type BindingSource = 'scanner' | 'integration';
/** what a rating carries about the service it rates */
export type ServiceFields = { dossier?: string; procedure?: string; officer?: string };
export type ScanOutcome = 'dossier' | 'officer' | 'off-duty' | 'invalid';

/**
 * Ties the next rating to the service: the dossier (scanned at the box or sent by the one-stop software)
 * and the officer on duty (badge scanned at the start of a shift). One rating per dossier: the dossiers
 * already rated on this box are kept on disk (append-only, one line each), so a second rating for one is
 * refused even after a restart. The collector refuses it as well, for a replaced box.
 */
export class ServiceBinding {
  readonly counters = { bound: 0, scansInvalid: 0, bindingsStale: 0, expired: 0 };
  #used = new Set<string>();
  #current?: { dossier: string; procedure?: string; mono: number; source: BindingSource };
  #officer?: { code: string; since: number | null };
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: BindingOptions,
    private readonly deps: { dataDir: string; clock: Clock; time: TrustedTime; log: Logger },
  ) {}

  get #usedFile(): string {
    return join(this.deps.dataDir, 'dossiers-rated.jsonl');
  }
  get #dutyFile(): string {
    return join(this.deps.dataDir, 'duty.json');
  }

  async load(): Promise<void> {
    const text = await readFile(this.#usedFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        const d = (JSON.parse(line) as { dossier?: unknown }).dossier;
        if (typeof d === 'string') this.#used.add(d);
      } catch {
        /* a torn last line after a power cut */
      }
    }
    try {
      const duty = JSON.parse(await readFile(this.#dutyFile, 'utf8')) as { code?: unknown; since?: unknown };
      if (typeof duty.code === 'string' && OfficerCode.safeParse(duty.code).success) {
        this.#officer = { code: duty.code, since: typeof duty.since === 'number' ? duty.since : null };
      }
    } catch {
      /* nobody on duty */
    }
  }

  /** a code read by the scanner */
  scanned(code: string): ScanOutcome {
    if (code.startsWith(this.opts.badgePrefix)) {
      const badge = code.slice(this.opts.badgePrefix.length);
      if (badge === '') return (this.#setOfficer(undefined), 'off-duty');
      if (!OfficerCode.safeParse(badge).success) return (this.counters.scansInvalid++, 'invalid');
      this.#setOfficer(badge);
      return 'officer';
    }
    const dossier = this.opts.dossierPattern ? this.opts.dossierPattern.exec(code)?.[1] : code;
    if (!dossier || !DossierNumber.safeParse(dossier).success) return (this.counters.scansInvalid++, 'invalid');
    this.bind(dossier, undefined, 'scanner');
    return 'dossier';
  }

  /** a binding from the one-stop software (already validated against the contract) */
  bindFromIntegration(p: { dossier: string; procedure?: string; at: string }): boolean {
    if (this.deps.time.synced() && this.deps.clock.now() - Date.parse(p.at) > this.opts.bindingTtlMs) {
      this.counters.bindingsStale++; // queued while the box was offline: the citizen has gone
      return false;
    }
    this.bind(
      p.dossier,
      p.procedure && ProcedureCode.safeParse(p.procedure).success ? p.procedure : undefined,
      'integration',
    );
    return true;
  }

  bind(dossier: string, procedure: string | undefined, source: BindingSource): void {
    this.#current = { dossier, ...(procedure ? { procedure } : {}), mono: this.deps.clock.monotonic(), source };
    this.counters.bound++;
  }

  get officer(): string | undefined {
    const o = this.#officer;
    if (!o) return undefined;
    // a shift never outlives its Vietnam day: a badge forgotten in the evening does not rate tomorrow's work
    if (o.since !== null && this.deps.time.synced() && vnDate(o.since) !== vnDate(this.deps.clock.now()))
      return undefined;
    return o.code;
  }

  get bound(): string | undefined {
    const c = this.#current;
    if (c && this.deps.clock.monotonic() - c.mono > this.opts.bindingTtlMs) {
      this.#current = undefined;
      this.counters.expired++;
    }
    return this.#current?.dossier;
  }

  /** Decided synchronously at the press: what the rating carries, or why it is refused. */
  forPress(): { refuse: 'dossier-used'; dossier: string } | ServiceFields {
    const dossier = this.bound;
    const officer = this.officer;
    if (dossier && this.#used.has(dossier)) {
      this.#current = undefined; // one refusal per binding; the next press rates without a dossier
      return { refuse: 'dossier-used', dossier };
    }
    return {
      ...(dossier ? { dossier } : {}),
      ...(this.#current?.procedure ? { procedure: this.#current.procedure } : {}),
      ...(officer ? { officer } : {}),
    };
  }

  /** the rating with this dossier was accepted: the dossier is spent (in memory now, on disk soon after) */
  spend(dossier: string): Promise<unknown> {
    this.#used.add(dossier);
    if (this.#current?.dossier === dossier) this.#current = undefined;
    const line = `${JSON.stringify({ dossier, at: this.deps.time.synced() ? new Date(this.deps.clock.now()).toISOString() : null })}\n`;
    this.#writes = this.#writes
      .then(() => appendFile(this.#usedFile, line))
      .catch((err) => this.deps.log.error({ err }, 'rated dossier not saved'));
    return this.#writes;
  }

  #setOfficer(code: string | undefined): void {
    this.#officer = code ? { code, since: this.deps.time.synced() ? this.deps.clock.now() : null } : undefined;
    const text = JSON.stringify(this.#officer ?? {});
    this.#writes = this.#writes
      .then(() => writeFile(this.#dutyFile, text))
      .catch((err) => this.deps.log.error({ err }, 'duty not saved'));
  }

  flush(): Promise<unknown> {
    return this.#writes;
  }
}
