import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CsvFile, ServiceReportQuery } from '../api/dossier.ts';
import { decision766, DECISION_766_DEFINITION, SIPAS_DEFINITION } from '../../devices/analytics/decision766.ts';
import { satisfactionIndex } from '../../devices/analytics/satisfaction.ts';
import { BOM } from '../report/csv.ts';
import { readableCommunes } from '../access.ts';
import { parsePeriod } from '../dossiers/period.ts';
import { RatingsSource } from '../dossiers/ratings.ts';
import { DossierStore } from '../dossiers/store.ts';
import { ConsoleError, fail } from '../errors.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';
import type { FollowupParts } from './context.ts';

const cell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const dec = (x: number | null) => (x === null ? null : Number(x.toFixed(2)));

/**
 * The service report of a period for every commune the user may read (CSV, UTF-8 with BOM): the Decision 766
 * figure and its parts, the SIPAS share, and the follow-up cases (opened, open, overdue now, closed late).
 * Counts only: no dossier, no officer. The definitions are the file's last lines.
 */
export function registerServiceReportRoutes(fastify: FastifyInstance, deps: HttpDeps, followup?: FollowupParts): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const dossiers = new DossierStore(deps.store.db);
  const ratings = deps.influx ? new RatingsSource(deps.influx) : undefined;

  // the 200 answer is the CSV text itself (fastify sends a string with its own content type as it is)
  const schema = { querystring: ServiceReportQuery, response: { 200: CsvFile } };
  app.get('/api/reports/service.csv', { preValidation: signedIn(), schema }, async (req, reply) => {
    const user = userOf(req);
    const period = parsePeriod(req.query);
    if (!ratings) fail('INFLUX_UNCONFIGURED');
    const now = deps.clock.now();
    const header = [
      'Mã xã',
      'Tên xã',
      'Hồ sơ tiếp nhận',
      'Hồ sơ trễ hạn',
      'Hồ sơ có phản ánh/không hài lòng',
      'Chỉ số QĐ 766 (%)',
      'Lượt đánh giá',
      'Tỷ lệ hài lòng SIPAS (%)',
      'Hồ sơ theo dõi mở trong kỳ',
      'Đang mở',
      'Quá hạn',
      'Đóng trễ hạn',
    ];
    const lines = [header.map(cell).join(',')];
    try {
      for (const commune of readableCommunes(user, deps.area)) {
        const [unsatisfied, counts] = await Promise.all([
          ratings.unsatisfiedDossiers(commune, period.from),
          ratings.levelCounts(commune, period.from, period.to),
        ]);
        const d = decision766(dossiers.received(commune, period.from, period.to), unsatisfied, period, now);
        const s = satisfactionIndex(counts.get('') ?? {});
        const f = followup?.service.summary(commune, period.from, period.to);
        lines.push(
          [
            commune,
            deps.area.communeName(commune),
            d.dossiers,
            d.late,
            d.complainedOrUnsatisfied,
            dec(d.figure),
            s.n,
            dec(s.index),
            f?.opened ?? null,
            f?.open ?? null,
            f?.overdue ?? null,
            f?.closedLate ?? null,
          ]
            .map(cell)
            .join(','),
        );
      }
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      deps.log.warn({ err }, 'service report query failed');
      fail('INFLUX_UNAVAILABLE');
    }
    lines.push('', cell(DECISION_766_DEFINITION), cell(SIPAS_DEFINITION));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="chi-so-phuc-vu.csv"')
      .send(`${BOM + lines.join('\r\n')}\r\n`);
  });
}
