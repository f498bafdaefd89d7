import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ownUnit, readableCommunes, requireReadable } from '../access.ts';
import {
  KeyList,
  PolicyAnswer,
  PolicyQuery,
  PolicyRequest,
  PolicySet,
  PreviewAnswer,
  PreviewQuery,
  RollupAnswer,
  RollupQuery,
  StopEnvelope,
  StopList,
  StopParams,
  StopRequest,
} from '../api/broadcast.ts';
import { fail } from '../errors.ts';
import type { Unit, UnitLevel } from '../levels.ts';
import { previewHamlet } from '../preview.ts';
import { rollup } from '../rollup.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

/** what a speaker will do with an occurrence, as people read it */
const FATE_LABELS: Record<PreviewAnswer['hamlets'][number]['entries'][number]['fate'], string> = {
  plays: 'sẽ phát',
  'quiet-hours': 'bỏ qua (giờ yên tĩnh)',
  stopped: 'bỏ qua (đang dừng phát)',
  'pushed-back': 'phát chậm (chờ tin khác)',
  cut: 'bị cắt (tin khẩn cấp)',
  busy: 'bỏ qua (loa bận)',
};
const LEVEL_NAMES: Record<UnitLevel, string> = { commune: 'xã', district: 'huyện', province: 'tỉnh' };

/** Province-wide broadcasting: stop now / resume, sound policy, the roll-up per level and the preview. */
export function registerBroadcastRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const stops = deps.stops;
  const policy = deps.policy;
  if (!stops || !policy) return;
  const docDeps = { store: deps.store, area: deps.area, keys: deps.keys ?? new Map(), policy };
  const leader = signedIn('leader');

  app.post(
    '/api/stops',
    { preValidation: leader, schema: { body: StopRequest, response: { 201: StopEnvelope } } },
    async (req, reply) => {
      const stop = stops.create(userOf(req), req.body);
      return reply.status(201).send({ id: stop.id, stop });
    },
  );
  app.get('/api/stops', { schema: { response: { 200: StopList } } }, async (req) => ({
    items: stops.list(userOf(req)),
  }));
  app.post(
    '/api/stops/:id/resume',
    { preValidation: leader, schema: { params: StopParams, response: { 200: StopEnvelope } } },
    async (req) => {
      const stop = stops.resume(userOf(req), req.params.id);
      return { id: stop.id, stop };
    },
  );

  /** the policy of the user's unit (or ?commune=): its own, and what its speakers enforce */
  app.get('/api/policy', { schema: { querystring: PolicyQuery, response: { 200: PolicyAnswer } } }, async (req) => {
    const user = userOf(req);
    const commune = req.query.commune ?? readableCommunes(user, deps.area)[0];
    if (!commune) fail('FORBIDDEN_COMMUNE');
    requireReadable(user, deps.area, commune);
    let unit: Unit = { level: 'commune', code: commune };
    if (!req.query.commune && (user.role === 'staff' || user.role === 'leader')) unit = ownUnit(user, deps.area);
    return { unit, policy: policy.forUnit(unit), effective: policy.effective(commune), commune };
  });

  app.put(
    '/api/policy',
    { preValidation: leader, schema: { body: PolicyRequest, response: { 200: PolicySet } } },
    async (req) => {
      const user = userOf(req);
      const unit = ownUnit(user, deps.area);
      return { unit, policy: policy.set(user, unit, req.body.policy) };
    },
  );

  /** ?announcement=<id> for one, else every log of the last ?hours= (default 24) */
  app.get('/api/rollup', { schema: { querystring: RollupQuery, response: { 200: RollupAnswer } } }, async (req) => {
    const user = userOf(req);
    const readable = readableCommunes(user, deps.area);
    if (req.query.announcement) {
      const a = deps.announcements.get(user, req.query.announcement);
      const communes = deps.announcements.communesOf(a).filter((c) => readable.includes(c));
      return { announcement: a.id, communes: rollup(communes, deps.store.deliveries.forAnnouncement(a.id), docDeps) };
    }
    const hours = req.query.hours ?? 24;
    const since = new Date(deps.clock.now() - hours * 3_600_000).toISOString();
    const communes = req.query.commune ? readable.filter((c) => c === req.query.commune) : readable;
    return { since, communes: rollup(communes, deps.store.deliveries.since(since), docDeps) };
  });

  /** ?commune= (every hamlet) or ?hamlet=; ?hours= (default 24) or ?from=&to= (ISO) */
  app.get('/api/preview', { schema: { querystring: PreviewQuery, response: { 200: PreviewAnswer } } }, async (req) => {
    const user = userOf(req);
    const now = deps.clock.now();
    const from = req.query.from ? Date.parse(req.query.from) : now;
    const to = req.query.to ? Date.parse(req.query.to) : from + (req.query.hours ?? 24) * 3_600_000;
    if (to <= from || to - from > 14 * 86_400_000)
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
      hamlets: hamlets.map((h) => {
        const p = previewHamlet(commune, h, from, to, o, docDeps);
        return {
          ...p,
          entries: p.entries.map((e) => ({ ...e, fateLabel: FATE_LABELS[e.fate], issuerLabel: LEVEL_NAMES[e.issuer] })),
        };
      }),
    };
  });

  /** the public keys to put in the registry (broadcastKey) and the speakers' config */
  app.get('/api/keys', { preValidation: signedIn('admin'), schema: { response: { 200: KeyList } } }, async () => ({
    items: [...(deps.keys ?? new Map()).values()].map((k) => ({ unit: k.commune, publicKey: k.publicKeyDer })),
  }));
}
