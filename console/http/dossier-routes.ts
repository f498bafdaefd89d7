import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { decision766, DECISION_766_DEFINITION, SIPAS_DEFINITION } from '../../devices/analytics/decision766.ts';
import { satisfactionIndex } from '../../devices/analytics/satisfaction.ts';
import {
  FiguresAnswer,
  FiguresQuery,
  ImportAnswer,
  ImportRefusal,
  OfficerAnswer,
  OfficerFigures,
  OfficerParams,
  OfficerRequest,
} from '../api/dossier.ts';
import { ownCommune, requireReadable } from '../access.ts';
import { requireLeaderOf } from '../commune-leader.ts';
import { parseDossierFile } from '../dossiers/import.ts';
import { parsePeriod } from '../dossiers/period.ts';
import { RatingsSource } from '../dossiers/ratings.ts';
import { DossierStore } from '../dossiers/store.ts';
import { ConsoleError, fail } from '../errors.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

/** errors listed in one answer at most (the count is always given) */
const MAX_LISTED_ERRORS = 200;

/**
 * Dossiers (import from the one-stop software, the Decision 766 figure beside the SIPAS share) and officers
 * (names of badge codes; per-officer figures for the commune's leader only).
 */
export function registerDossierRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const dossiers = new DossierStore(deps.store.db);
  const ratings = deps.influx ? new RatingsSource(deps.influx) : undefined;
  const withRatings = async <T>(run: (r: RatingsSource) => Promise<T>): Promise<T> => {
    if (!ratings) fail('INFLUX_UNCONFIGURED');
    try {
      return await run(ratings);
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      deps.log.warn({ err }, 'ratings query failed');
      fail('INFLUX_UNAVAILABLE');
    }
  };

  app.post(
    '/api/dossiers/import',
    { preValidation: signedIn(), schema: { response: { 200: ImportAnswer, 400: ImportRefusal } } },
    async (req, reply) => {
      const user = userOf(req);
      const commune = ownCommune(user, deps.area);
      const file = await req.file();
      if (!file) fail('IMPORT_FILE_MISSING');
      const bytes = await file.toBuffer();
      if (file.file.truncated) fail('BODY_TOO_LARGE');
      const { rows, errors } = await parseDossierFile(bytes, file.filename);
      if (errors.length > 0) {
        const e = new ConsoleError('IMPORT_INVALID');
        return reply.status(400).send({
          error: {
            code: e.code,
            message: e.message,
            count: errors.length,
            rows: errors.slice(0, MAX_LISTED_ERRORS),
          },
        });
      }
      const at = new Date(deps.clock.now()).toISOString();
      const id = dossiers.importRows(commune, rows, {
        filename: file.filename.slice(0, 200),
        username: user.username,
        at,
      });
      deps.store.audit.record({
        at,
        username: user.username,
        commune,
        action: 'dossiers.import',
        target: String(id),
        before: null,
        after: { rows: rows.length, filename: file.filename.slice(0, 200) },
      });
      return { imported: rows.length, importId: id, total: dossiers.count(commune) };
    },
  );

  app.get(
    '/api/dossiers/figures',
    { preValidation: signedIn(), schema: { querystring: FiguresQuery, response: { 200: FiguresAnswer } } },
    async (req) => {
      const user = userOf(req);
      const { commune } = req.query;
      requireReadable(user, deps.area, commune);
      const period = parsePeriod(req.query);
      const list = dossiers.received(commune, period.from, period.to);
      return withRatings(async (r) => {
        const [unsatisfied, counts] = await Promise.all([
          r.unsatisfiedDossiers(commune, period.from),
          r.levelCounts(commune, period.from, period.to),
        ]);
        const d766 = decision766(list, unsatisfied, period, deps.clock.now());
        const sipas = satisfactionIndex(counts.get('') ?? {});
        return {
          commune,
          from: new Date(period.from).toISOString(),
          to: new Date(period.to).toISOString(),
          decision766: { ...d766, definition: DECISION_766_DEFINITION },
          sipas: { ...sipas, definition: SIPAS_DEFINITION },
        };
      });
    },
  );

  app.put(
    '/api/officers/:code',
    {
      preValidation: signedIn(),
      schema: { params: OfficerParams, body: OfficerRequest, response: { 200: OfficerAnswer } },
    },
    async (req) => {
      const user = userOf(req);
      const commune = ownCommune(user, deps.area);
      const { code } = req.params;
      const { name } = req.body;
      dossiers.setOfficer(commune, code, name);
      deps.store.audit.record({
        at: new Date(deps.clock.now()).toISOString(),
        username: user.username,
        commune,
        action: 'officer.set',
        target: code,
        before: null,
        after: { name },
      });
      return { commune, code, name };
    },
  );

  /** ratings attributed to each officer (badge scanned at the box at shift start): the commune's leader only */
  app.get(
    '/api/officers/figures',
    { preValidation: signedIn(), schema: { querystring: FiguresQuery, response: { 200: OfficerFigures } } },
    async (req) => {
      const user = userOf(req);
      const { commune } = req.query;
      requireLeaderOf(user, deps.area, commune);
      const period = parsePeriod(req.query);
      const names = dossiers.officers(commune);
      return withRatings(async (r) => {
        const by = await r.levelCounts(commune, period.from, period.to, 'officer');
        const items = [...by.entries()].map(([code, counts]) => ({
          code: code || null,
          name: code ? (names.get(code) ?? null) : 'Không rõ cán bộ trực',
          counts,
          ...satisfactionIndex(counts),
        }));
        return { commune, items, definition: SIPAS_DEFINITION };
      });
    },
  );
}
