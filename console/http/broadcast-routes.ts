import type { FastifyInstance } from 'fastify';
import { ownUnit, readableCommunes, requireReadable } from '../access.ts';
import { fail } from '../errors.ts';
import type { Unit } from '../levels.ts';
import { previewHamlet } from '../preview.ts';
import { rollup } from '../rollup.ts';
import { userOf, type HttpDeps } from './context.ts';

type Q = { Querystring: Record<string, string | undefined> };

/** Province-wide broadcasting: stop now / resume, sound policy, the roll-up per level and the preview. */
export function registerBroadcastRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const stops = deps.stops;
  const policy = deps.policy;
  if (!stops || !policy) return;
  const docDeps = { store: deps.store, area: deps.area, keys: deps.keys ?? new Map(), policy };

  app.post('/api/stops', async (req, reply) => reply.status(201).send(stops.create(userOf(req), req.body)));
  app.get('/api/stops', async (req) => stops.list(userOf(req)));
  app.post<{ Params: { id: string } }>('/api/stops/:id/resume', async (req) =>
    stops.resume(userOf(req), req.params.id),
  );

  /** the policy of the user's unit (or ?commune=): its own, and what its speakers enforce */
  app.get<Q>('/api/policy', async (req) => {
    const user = userOf(req);
    const commune = req.query.commune ?? readableCommunes(user, deps.area)[0];
    if (!commune) fail('FORBIDDEN_COMMUNE');
    requireReadable(user, deps.area, commune);
    let unit: Unit = { level: 'commune', code: commune };
    if (!req.query.commune && (user.role === 'staff' || user.role === 'leader')) unit = ownUnit(user, deps.area);
    return { unit, policy: policy.forUnit(unit), effective: policy.effective(commune), commune };
  });

  app.put('/api/policy', async (req) => {
    const user = userOf(req);
    const body = (req.body ?? {}) as { policy?: unknown };
    const unit = ownUnit(user, deps.area);
    return { unit, policy: policy.set(user, unit, body.policy) };
  });

  /** ?announcement=<id> for one, else every log of the last ?hours= (default 24) */
  app.get<Q>('/api/rollup', async (req) => {
    const user = userOf(req);
    const readable = readableCommunes(user, deps.area);
    if (req.query.announcement) {
      const a = deps.announcements.get(user, req.query.announcement);
      const communes = deps.announcements.communesOf(a).filter((c) => readable.includes(c));
      return { announcement: a.id, communes: rollup(communes, deps.store.deliveries.forAnnouncement(a.id), docDeps) };
    }
    const hours = Math.min(Math.max(Number(req.query.hours) || 24, 1), 24 * 31);
    const since = new Date(deps.clock.now() - hours * 3_600_000).toISOString();
    const communes = req.query.commune ? readable.filter((c) => c === req.query.commune) : readable;
    return { since, communes: rollup(communes, deps.store.deliveries.since(since), docDeps) };
  });

  /** ?commune= (every hamlet) or ?hamlet=; ?hours= (default 24) or ?from=&to= (ISO) */
  app.get<Q>('/api/preview', async (req) => {
    const user = userOf(req);
    const now = deps.clock.now();
    const from = req.query.from ? Date.parse(req.query.from) : now;
    const to = req.query.to
      ? Date.parse(req.query.to)
      : from + Math.min(Math.max(Number(req.query.hours) || 24, 1), 24 * 14) * 3_600_000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || to - from > 14 * 86_400_000)
      fail('INVALID_INPUT', 'Khoảng thời gian xem trước không hợp lệ (tối đa 14 ngày).');
    const commune = req.query.commune ?? (req.query.hamlet ? deps.area.communeOfHamlet(req.query.hamlet) : undefined);
    if (!commune) fail('INVALID_INPUT', 'Cần chọn xã hoặc thôn/ấp.');
    requireReadable(user, deps.area, commune);
    const hamlets = deps.area.hamlets(commune).filter((h) => !req.query.hamlet || h.id === req.query.hamlet);
    const o = { now, ...deps.scheduleConfig! };
    return {
      commune,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      hamlets: hamlets.map((h) => previewHamlet(commune, h, from, to, o, docDeps)),
    };
  });

  /** the public keys to put in the registry (broadcastKey) and the speakers' config */
  app.get('/api/keys', async (req) => {
    const user = userOf(req);
    if (user.role !== 'admin') fail('FORBIDDEN_ROLE');
    return [...(deps.keys ?? new Map()).values()].map((k) => ({ unit: k.commune, publicKey: k.publicKeyDer }));
  });
}
