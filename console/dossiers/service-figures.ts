import { decision766 } from '../../devices/analytics/decision766.ts';
import type { ServiceFigures } from '../report/build.ts';
import { ReportError } from '../report/errors.ts';
import { caseCounts, FollowupStore } from '../followup/store.ts';
import type { Db } from '../store/db.ts';
import type { RatingsSource } from './ratings.ts';
import { DossierStore } from './store.ts';

/**
 * The review appendix's service figures of each commune for [from, to): the Decision 766 figure over the
 * imported dossiers (with "Không hài lòng" ratings bound to a dossier, from InfluxDB) and the follow-up counts
 * (opened, closed, open past the deadline at `now`). Used by the console's download and by
 * `npm run report -- --console-db <file>`.
 */
export function serviceFiguresOf(db: Db, ratings: RatingsSource, cases: FollowupStore = new FollowupStore(db)) {
  const dossiers = new DossierStore(db);
  return async (
    codes: string[],
    period: { from: number; to: number },
    now: number,
  ): Promise<Map<string, ServiceFigures>> => {
    const out = new Map<string, ServiceFigures>();
    for (const code of codes) {
      let unsatisfied: Set<string>;
      try {
        unsatisfied = await ratings.unsatisfiedDossiers(code, period.from);
      } catch (err) {
        throw new ReportError('INFLUX', `Không đọc được đánh giá từ InfluxDB: ${(err as Error).message}`);
      }
      const { opened, closed, overdue } = caseCounts(cases.list(code), period.from, period.to, now);
      out.set(code, {
        decision766: decision766(dossiers.received(code, period.from, period.to), unsatisfied, period, now),
        followup: { opened, closed, overdue },
      });
    }
    return out;
  };
}
