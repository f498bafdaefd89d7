import { vnDateTimeText } from '../../devices/time/vietnam.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Area } from '../area.ts';
import { isLeaderOf } from '../commune-leader.ts';
import { ConsoleError } from '../errors.ts';
import type { RatingsSource } from '../dossiers/ratings.ts';
import type { Store } from '../store/index.ts';
import type { FollowupConfig } from './config.ts';
import { workingDeadline } from './holidays.ts';
import type { Mailer } from './mailer.ts';
import type { CaseView } from '../api/followup.ts';
import { caseCounts, type CaseCounts, type CaseRow, type CaseStep, type FollowupStore, type NewCase } from './store.ts';

const DAY_MS = 86_400_000;

export type { CaseView } from '../api/followup.ts';

const KIND_LABELS: Record<CaseRow['kind'], string> = {
  rating: 'Đánh giá không hài lòng',
  alert: 'Tỷ lệ không hài lòng cao',
};
const STEP_LABELS: Record<CaseStep['kind'], string> = {
  assign: 'Giao',
  contact: 'Liên hệ công dân',
  action: 'Xử lý',
  close: 'Đóng',
};

/**
 * Opens follow-up cases. The console reads ratings from InfluxDB rather than from MQTT: every poll (and the
 * first, at start) reconciles the last `lookbackDays` of "Không hài lòng" ratings against the cases it has,
 * keyed by rating id, so a rating pressed while the console was down, or delivered late by a box that was
 * offline, still opens its case, and none opens twice. The alert rule is checked on the same poll.
 * Every new case and assignment is e-mailed to the commune's leaders and the assignee.
 */
export class FollowupService {
  readonly stats = { reconciles: 0, reconcileErrors: 0, opened: 0, mailed: 0, mailErrors: 0, deadlineErrors: 0 };
  #timer?: { cancel(): void };
  #running?: Promise<void>;
  #mails = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      cases: FollowupStore;
      store: Store;
      ratings?: RatingsSource;
      area: Area;
      clock: Clock;
      log: Logger;
      mailer?: Mailer;
      config: FollowupConfig;
    },
  ) {}

  start(): void {
    const tick = () => {
      void this.reconcile().finally(() => {
        this.#timer = this.deps.clock.setTimeout(tick, this.deps.config.pollMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    await this.#running;
    await Promise.allSettled([...this.#mails]);
  }

  /** one reconciliation pass (serialised) */
  reconcile(): Promise<void> {
    this.#running ??= this.#reconcile().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #reconcile(): Promise<void> {
    const { ratings, area, clock, config } = this.deps;
    if (!ratings) return;
    const now = clock.now();
    try {
      const bad = await ratings.badRatings(area.communes, now - config.lookbackDays * DAY_MS, now + 5 * 60_000);
      for (const r of bad) {
        this.#open({
          commune: r.commune,
          kind: 'rating',
          source: `rating:${r.id}`,
          counter: r.counter || null,
          device: r.device,
          dossier: r.dossier,
          officer: r.officer,
          ratedAt: r.time,
        });
      }
      const windowMs = config.alert.windowMinutes * 60_000;
      for (const s of await ratings.counterShares(area.communes, now - windowMs, now)) {
        if (s.n < config.alert.minRatings || s.bad / s.n <= config.alert.share) continue;
        if (this.deps.cases.openAlertFor(s.counter)) continue; // one open alert per counter
        this.#open({
          commune: s.commune,
          kind: 'alert',
          source: `alert:${s.counter}:${now}`,
          counter: s.counter,
          device: null,
          dossier: null,
          officer: null,
          ratedAt: now,
        });
      }
      this.stats.reconciles++;
    } catch (err) {
      this.stats.reconcileErrors++;
      this.deps.log.warn({ err: (err as Error).message }, 'follow-up reconciliation failed; retried on the next poll');
    }
  }

  #open(c: Omit<NewCase, 'openedAt' | 'dueAt' | 'deadlineError'>): void {
    const openedAt = this.deps.clock.now();
    let dueAt: number | null = null;
    let deadlineError: string | null = null;
    try {
      dueAt = workingDeadline(openedAt, this.deps.config.workingDays);
    } catch (err) {
      // the holiday table has ended: the case is opened anyway, without a guessed deadline, and flagged
      if (!(err instanceof ConsoleError)) throw err;
      this.stats.deadlineErrors++;
      deadlineError = err.message;
      this.deps.log.error({ err: err.message }, 'follow-up deadline not computed');
    }
    const row = this.deps.cases.open({ ...c, openedAt, dueAt, deadlineError });
    if (!row) return;
    this.stats.opened++;
    const what =
      row.kind === 'alert'
        ? `Tỷ lệ "Không hài lòng" cao tại ${this.#counterName(row)}`
        : `Đánh giá "Không hài lòng" tại ${this.#counterName(row)} lúc ${vnDateTimeText(row.ratedAt)}`;
    this.#notify(row, `[Thân thiện] Hồ sơ theo dõi mới #${row.id}: ${what}`, [
      `${what}.`,
      row.dossier ? `Số hồ sơ: ${row.dossier}.` : 'Không có số hồ sơ.',
      row.dueAt ? `Hạn xử lý: ${vnDateTimeText(row.dueAt - 1)}.` : `Chưa tính được hạn xử lý: ${row.deadlineError}`,
      'Lãnh đạo xã giao người xử lý trên trang quản lý.',
    ]);
  }

  /** the case with its state and the words the console shows */
  view(row: CaseRow): CaseView {
    const overdue = row.closedAt === null && row.dueAt !== null && this.deps.clock.now() >= row.dueAt;
    return {
      ...row,
      overdue,
      kindLabel: KIND_LABELS[row.kind],
      stateLabel: row.closedAt ? `Đã đóng ${vnDateTimeText(row.closedAt)}` : overdue ? 'QUÁ HẠN' : 'Đang xử lý',
      counterName: this.#counterName(row),
      dueText: row.dueAt ? vnDateTimeText(row.dueAt - 1) : (row.deadlineError ?? '—'),
      steps: row.steps.map((s) => ({ ...s, kindLabel: STEP_LABELS[s.kind] })),
    };
  }

  /** the commune's counts for a period (cases opened in it): open, overdue now, closed, closed late */
  summary(commune: string, from: number, to: number): CaseCounts {
    return caseCounts(this.deps.cases.list(commune), from, to, this.deps.clock.now());
  }

  notifyAssigned(row: CaseRow, by: string): void {
    this.#notify(row, `[Thân thiện] Hồ sơ theo dõi #${row.id} được giao cho ${row.assignee}`, [
      `Người giao: ${by}. Người xử lý: ${row.assignee}.`,
      row.dueAt ? `Hạn xử lý: ${vnDateTimeText(row.dueAt - 1)}.` : 'Chưa có hạn xử lý.',
    ]);
  }

  #counterName(row: CaseRow): string {
    const c = this.deps.area.registry.communes.get(row.commune)?.commune;
    return c?.counters.find((k) => k.id === row.counter)?.name ?? row.counter ?? 'quầy không rõ';
  }

  /** the commune's leaders and the assignee, by the e-mail each gave */
  #recipients(row: CaseRow): string[] {
    const names = this.deps.store.users
      .list()
      .filter((u) => isLeaderOf(u, this.deps.area, row.commune))
      .map((u) => u.username);
    if (row.assignee) names.push(row.assignee);
    return [...new Set(names.map((n) => this.deps.cases.email(n)).filter((e): e is string => !!e))];
  }

  #notify(row: CaseRow, subject: string, lines: string[]): void {
    const { mailer } = this.deps;
    const to = this.#recipients(row);
    if (!mailer || to.length === 0) return;
    const p = mailer
      .send({ to, subject, text: lines.join('\n') })
      .then(() => void this.stats.mailed++)
      .catch((err) => {
        this.stats.mailErrors++;
        this.deps.log.warn({ err: (err as Error).message, case: row.id }, 'follow-up e-mail not sent');
      })
      .finally(() => this.#mails.delete(p));
    this.#mails.add(p);
  }
}
