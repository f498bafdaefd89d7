import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decision766, DECISION_766_DEFINITION, SIPAS_DEFINITION } from '../../devices/analytics/decision766.ts';
import { satisfactionIndex } from '../../devices/analytics/satisfaction.ts';
import { OfficerCode } from '../../devices/contract/dossier.ts';
import { ownCommune, requireReadable } from '../access.ts';
import { requireLeaderOf } from '../commune-leader.ts';
import { parseDossierFile } from '../dossiers/import.ts';
import { parsePeriod } from '../dossiers/period.ts';
import { RatingsSource } from '../dossiers/ratings.ts';
import { DossierStore } from '../dossiers/store.ts';
import { ConsoleError, fail } from '../errors.ts';
import { userOf, type HttpDeps } from './context.ts';

/** errors listed in one answer at most (the count is always given) */
const MAX_LISTED_ERRORS = 200;
const OfficerBody = z.strictObject({ name: z.string().trim().min(1).max(120) });

/**
 * Dossiers (import from the one-stop software, the Decision 766 figure beside the SIPAS share) and officers
 * (names of badge codes; per-officer figures for the commune's leader only).
 */
export function registerDossierRoutes(app: FastifyInstance, deps: HttpDeps): void {
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

  app.post('/api/dossiers/import', async (req, reply) => {
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
        error: { code: e.code, message: e.message, count: errors.length, rows: errors.slice(0, MAX_LISTED_ERRORS) },
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
  });

  app.get('/api/dossiers/figures', async (req) => {
    const user = userOf(req);
    const q = req.query as { commune?: string; from?: string; to?: string };
    const commune = String(q.commune ?? '');
    requireReadable(user, deps.area, commune);
    const period = parsePeriod(q);
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
  });

  app.put('/api/officers/:code', async (req) => {
    const user = userOf(req);
    const commune = ownCommune(user, deps.area);
    const code = (req.params as { code: string }).code;
    const body = OfficerBody.safeParse(req.body);
    if (!OfficerCode.safeParse(code).success || !body.success) fail('OFFICER_INVALID');
    dossiers.setOfficer(commune, code, body.data.name);
    deps.store.audit.record({
      at: new Date(deps.clock.now()).toISOString(),
      username: user.username,
      commune,
      action: 'officer.set',
      target: code,
      before: null,
      after: { name: body.data.name },
    });
    return { commune, code, name: body.data.name };
  });

  /** ratings attributed to each officer (badge scanned at the box at shift start): the commune's leader only */
  app.get('/api/officers/figures', async (req) => {
    const user = userOf(req);
    const q = req.query as { commune?: string; from?: string; to?: string };
    const commune = String(q.commune ?? '');
    requireLeaderOf(user, deps.area, commune);
    const period = parsePeriod(q);
    const names = dossiers.officers(commune);
    return withRatings(async (r) => {
      const by = await r.levelCounts(commune, period.from, period.to, 'officer');
      const officers = [...by.entries()].map(([code, counts]) => ({
        code: code || null,
        name: code ? (names.get(code) ?? null) : 'Không rõ cán bộ trực',
        counts,
        ...satisfactionIndex(counts),
      }));
      return { commune, officers, definition: SIPAS_DEFINITION };
    });
  });
}
