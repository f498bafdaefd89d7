import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SATISFACTION_LEVELS, type LevelKey } from '../../devices/levels.ts';
import type { DigitalOutput, GpioBoard } from '../io/io.ts';
import { PressLog, type PressLogLimits, type PressLogLine } from './press-log.ts';
import type { BridgeContext, BridgeUnit } from '../unit.ts';
import type { RatingBoxConfig } from './config.ts';
import { Debouncer } from './debounce.ts';
import { nativeRecordBytes } from './input-events.ts';
import { ScannerInput } from './scanner.ts';
import { ServiceBinding, type ServiceFields } from './service-binding.ts';

/** What the bridge core gives the rating box to store ratings (the durable outbox + time resolution). */
export type RatedPress = {
  id: string;
  level: LevelKey;
  boot: string;
  seq: number;
  mono: number;
  wall: number | null;
} & ServiceFields;
export interface RatingSink {
  /** synchronous: decided before the acknowledgement */
  isFull(): boolean;
  /** resolves once the rating is on disk; rejects with BRIDGE_OUTBOX_FULL when refused */
  record(press: RatedPress): Promise<void>;
}

export type RatingBoxDeps = {
  board: GpioBoard;
  ratings: RatingSink;
  boot: string;
  pressLog?: PressLog;
  /** the operator's press-log limits (bridge config `pressLog`) */
  pressLogLimits?: Partial<PressLogLimits>;
};

type Counters = { accepted: number; rejected: { lockout: number; 'outbox-full': number; 'dossier-used': number } };

/**
 * The rating box: buttons → debounced presses → lockout → acknowledgement (LED + beep, issued
 * synchronously in the press handler, before any disk or network I/O: the 100 ms requirement)
 * → press log + durable outbox.
 */
export class RatingBoxUnit implements BridgeUnit {
  readonly name = 'rating-box';
  readonly counters: Counters = { accepted: 0, rejected: { lockout: 0, 'outbox-full': 0, 'dossier-used': 0 } };
  /** the dossier and officer of the next rating (scanner, one-stop software, badge) */
  service?: ServiceBinding;
  scanner?: ScannerInput;
  /** ratings accepted but not stored (disk errors; a full outbox is counted in `counters`) */
  storeErrors = 0;
  /** raw edges johnny-five reported (bounces included): lets the simulator wait for a press to land */
  edges = 0;
  #ctx?: BridgeContext;
  #led?: DigitalOutput;
  #buzzer?: DigitalOutput;
  #timers: { cancel(): void }[] = [];
  #lockoutUntil = Number.NEGATIVE_INFINITY;
  #seq = 0;
  #pressLog?: PressLog;
  #stopped = false;
  #pending = new Set<Promise<unknown>>();

  constructor(
    readonly config: RatingBoxConfig,
    private readonly deps: RatingBoxDeps,
  ) {}

  async start(ctx: BridgeContext): Promise<void> {
    this.#ctx = ctx;
    const { board, boot } = this.deps;
    this.#pressLog =
      this.deps.pressLog ??
      new PressLog(join(ctx.dataDir, 'presses'), {
        clock: ctx.clock,
        time: ctx.time,
        boot,
        log: ctx.log,
        limits: this.deps.pressLogLimits,
      });
    await mkdir(ctx.dataDir, { recursive: true });
    this.#seq = await this.#loadSeq();
    await this.#startService(ctx);
    this.#led = board.output(this.config.leds.ack, 'led');
    this.#buzzer = board.output(this.config.buzzerPin, 'buzzer');
    for (const level of this.config.levels) {
      const debouncer = new Debouncer(this.config.debounceMs);
      board.input(this.config.buttons[level]!, { pullUp: true }).onChange((active) => {
        this.edges++;
        if (debouncer.edge(active, ctx.clock.monotonic())) this.press(level);
      });
    }
    ctx.contributeState(() => ({ presses: structuredClone(this.counters) }));
    ctx.log.info(
      { levels: this.config.levels.map((l) => SATISFACTION_LEVELS[l].label), lockoutMs: this.config.lockoutMs },
      'rating box ready',
    );
  }

  async #startService(ctx: BridgeContext): Promise<void> {
    const cfg = this.config.service;
    const service = new ServiceBinding(
      {
        bindingTtlMs: cfg.bindingTtlMs,
        badgePrefix: cfg.badgePrefix,
        ...(cfg.dossierPattern ? { dossierPattern: new RegExp(cfg.dossierPattern) } : {}),
      },
      { dataDir: ctx.dataDir, clock: ctx.clock, time: ctx.time, log: ctx.log },
    );
    await service.load();
    this.service = service;
    if (cfg.integration) {
      ctx.subscribe('dossier', (msg) => {
        if (msg.ok) service.bindFromIntegration(msg.payload);
        else ctx.log.warn({ error: msg.error, detail: msg.detail }, 'dossier binding refused');
      });
    }
    if (cfg.scanner) {
      const { device, reopenMs, maxLength } = cfg.scanner;
      this.scanner = new ScannerInput(
        { device, reopenMs, maxLength, recordBytes: cfg.scanner.recordBytes ?? nativeRecordBytes() },
        (code) => this.#scanned(code),
        ctx,
      );
      this.scanner.start();
    }
  }

  #scanned(code: string): void {
    const outcome = this.service!.scanned(code);
    // a short beep says "read"; a long one says "not a dossier or badge"
    if (outcome === 'invalid') this.#beep(this.config.errorBeepMs);
    else this.#beep(this.config.beepMs);
    this.#ctx?.log.info({ outcome }, 'code scanned');
  }

  /** one debounced press (also the entry point for tests that bypass the pins) */
  press(level: LevelKey): void {
    const ctx = this.#ctx;
    if (!ctx || this.#stopped) return;
    const mono = ctx.clock.monotonic();
    const seq = this.#seq++;
    const base = {
      level,
      boot: this.deps.boot,
      seq,
      mono,
      ...(ctx.time.synced() ? { wall: new Date(ctx.clock.now()).toISOString() } : {}),
    };
    if (mono < this.#lockoutUntil) {
      this.counters.rejected.lockout++;
      this.#logPress({ ...base, accepted: false, reason: 'lockout' });
    } else if (this.deps.ratings.isFull()) {
      this.#refuseFull(base);
    } else {
      const service = this.service?.forPress() ?? {};
      if ('refuse' in service) {
        // one rating per dossier: this one was rated already
        this.counters.rejected['dossier-used']++;
        this.#beep(this.config.errorBeepMs);
        this.#logPress({ ...base, accepted: false, reason: 'dossier-used', dossier: service.dossier });
      } else {
        this.#accept(ctx, base, service);
      }
    }
    this.#track(this.#saveSeq()); // every press has a number, and it is saved after the acknowledgement
  }

  #accept(ctx: BridgeContext, base: Omit<PressLogLine, 'accepted'>, service: ServiceFields): void {
    // acknowledgement first: synchronous pin writes, before any disk or network I/O
    this.#acknowledge();
    this.#lockoutUntil = base.mono + this.config.lockoutMs;
    this.counters.accepted++;
    const id = randomUUID();
    this.#logPress({ ...base, accepted: true, id, ...(service.dossier ? { dossier: service.dossier } : {}) });
    if (service.dossier) this.#track(this.service!.spend(service.dossier));
    const wall = base.wall ? Date.parse(base.wall) : null;
    const press = {
      id,
      level: base.level as LevelKey,
      boot: base.boot,
      seq: base.seq,
      mono: base.mono,
      wall,
      ...service,
    };
    this.#track(
      this.deps.ratings.record(press).catch((err: { code?: string }) => {
        this.counters.accepted--;
        if (err?.code === 'BRIDGE_OUTBOX_FULL') this.#refuseFull({ ...base, id });
        else {
          this.storeErrors++;
          ctx.log.error({ err, id }, 'rating not stored');
        }
      }),
    );
  }

  #refuseFull(base: Omit<PressLogLine, 'accepted'>): void {
    this.counters.rejected['outbox-full']++;
    this.#beep(this.config.errorBeepMs);
    this.#logPress({ ...base, accepted: false, reason: 'outbox-full' });
  }

  #acknowledge(): void {
    this.#led?.set(true);
    this.#beep(this.config.beepMs);
    this.#after(Math.max(this.config.lockoutMs, this.config.beepMs), () => this.#led?.set(false));
  }

  #beep(ms: number): void {
    this.#buzzer?.set(true);
    this.#after(ms, () => this.#buzzer?.set(false));
  }

  #after(ms: number, fn: () => void): void {
    const t = this.#ctx!.clock.setTimeout(() => {
      this.#timers = this.#timers.filter((x) => x !== t);
      fn();
    }, ms);
    this.#timers.push(t);
  }

  #logPress(line: PressLogLine): void {
    this.#pressLog?.append(line);
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  // the press number continues across bridge restarts within one boot (audit trail: boot + seq)
  get #seqFile(): string {
    return join(this.#ctx!.dataDir, 'seq.json');
  }

  async #loadSeq(): Promise<number> {
    try {
      const saved = JSON.parse(await readFile(this.#seqFile, 'utf8')) as { boot?: string; next?: number };
      return saved.boot === this.deps.boot && Number.isInteger(saved.next) ? saved.next! : 0;
    } catch {
      return 0;
    }
  }

  #seqWrite: Promise<void> = Promise.resolve();
  #saveSeq(): Promise<void> {
    const text = JSON.stringify({ boot: this.deps.boot, next: this.#seq });
    this.#seqWrite = this.#seqWrite.then(() => writeFile(this.#seqFile, text)).catch(() => undefined);
    return this.#seqWrite;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.splice(0)) t.cancel();
    this.#led?.set(false);
    this.#buzzer?.set(false);
    await this.scanner?.stop();
    await Promise.allSettled([...this.#pending]);
    await this.service?.flush();
    await this.#pressLog?.flush();
  }
}
