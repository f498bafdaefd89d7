import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type REPORT_FORMATS, ReportFileAnswer, ReportQuery } from '../api/satisfaction.ts';
import { readableCommunes } from '../access.ts';
import { RatingsSource } from '../dossiers/ratings.ts';
import { serviceFiguresOf } from '../dossiers/service-figures.ts';
import { fail } from '../errors.ts';
import { ReportError } from '../report/errors.ts';
import { produceReport, type ReportFile } from '../report/produce.ts';
import type { DeploymentStore } from '../store/deployment.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

/**
 * The review appendix of an area ("Phụ lục số liệu sơ kết"), made by the report's own code (console/report/
 * produce.ts, as `npm run report`): the communes' CSV, the totals CSV or the printable page. The user must read
 * every commune of the area.
 */
export function registerAppendixRoute(fastify: FastifyInstance, deps: HttpDeps, deployment: DeploymentStore): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // the appendix's Decision 766 figure (imported dossiers, bound "Không hài lòng" ratings) and follow-up counts
  const serviceFigures = deps.influx
    ? serviceFiguresOf(deps.store.db, new RatingsSource(deps.influx), deps.followup?.cases)
    : undefined;
  const FORMATS: Record<(typeof REPORT_FORMATS)[number], { file: ReportFile; type: string }> = {
    csv: { file: 'phu-luc-xa.csv', type: 'text/csv; charset=utf-8' },
    totals: { file: 'tong-hop.csv', type: 'text/csv; charset=utf-8' },
    html: { file: 'bao-cao.html', type: 'text/html; charset=utf-8' },
  };
  app.get(
    '/api/satisfaction/report',
    // the 200 answer is the file itself (fastify sends a string with its own content type as it is)
    { preValidation: signedIn(), schema: { querystring: ReportQuery, response: { 200: ReportFileAnswer } } },
    async (req, reply) => {
      const user = userOf(req);
      const { area: code, from, to } = req.query;
      const format = FORMATS[req.query.format]!;
      const readable = new Set(readableCommunes(user, deps.area));
      if (!deps.influx) fail('INFLUX_UNCONFIGURED');
      const now = deps.clock.now();
      try {
        const { files } = await produceReport({
          registry: deps.area.registry,
          area: code,
          from,
          to,
          influxUrl: deps.influx.url,
          database: deps.influx.database,
          now,
          // the whole area or nothing: an appendix of part of a province would read as the province's
          communes: (a) =>
            a.communes.length && a.communes.every((p) => readable.has(p.commune.code))
              ? a.communes
              : fail('FORBIDDEN_COMMUNE'),
          declared: (codes) =>
            new Map(
              [...deployment.list(codes)].map(([c, items]) => [
                c,
                Object.fromEntries(Object.entries(items).map(([k, v]) => [k, v!.present])),
              ]),
            ),
          service: (codes, period) => serviceFigures!(codes, period, now),
        });
        const name = `${format.file.replace(/\.(csv|html)$/, '')}-${code}-${from}-${to}.${format.file.split('.').pop()}`;
        reply.header('content-type', format.type);
        if (req.query.format !== 'html') reply.header('content-disposition', `attachment; filename="${name}"`);
        return files[format.file];
      } catch (err) {
        if (err instanceof ReportError) {
          if (err.code === 'UNKNOWN_AREA') fail('AREA_UNKNOWN');
          if (err.code === 'INFLUX') fail('INFLUX_UNAVAILABLE');
          fail('PERIOD_INVALID', err.message);
        }
        throw err;
      }
    },
  );
}
