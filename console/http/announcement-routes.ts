import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readableCommunes, requireRole, visibleAuditEntry } from '../access.ts';
import {
  AnnouncementDetailEnvelope,
  AnnouncementEnvelope,
  AnnouncementList,
  AnnouncementParams,
  AnnouncementRequest,
  AuditQuery,
  EmergencyRequest,
  RejectRequest,
} from '../api/announcement.ts';
import { SpeechEnvelope } from '../api/audio.ts';
import { AuditList, SpeakerList } from '../api/console.ts';
import { announcementView, type ViewContext } from '../announcement-view.ts';
import { labelAudit } from '../audit-labels.ts';
import { hamletDeliveries } from '../delivery.ts';
import { verdictLabel } from '../speaker-labels.ts';
import type { Announcement, User } from '../model.ts';
import { userOf, type HttpDeps } from './context.ts';

export function registerAnnouncementRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const svc = deps.announcements;
  const ctx: ViewContext = {
    area: deps.area,
    authors: (id) => deps.store.audit.actorsOf(id, ['create', 'update', 'revise']),
    played: (id) => deps.store.deliveries.forAnnouncement(id).some((d) => d.outcome === 'played'),
  };
  const item = (user: User, a: Announcement) => ({
    id: a.id,
    status: a.status,
    announcement: announcementView(user, a, ctx),
  });
  const params = { params: AnnouncementParams };

  app.post(
    '/api/announcements',
    { schema: { body: AnnouncementRequest, response: { 201: AnnouncementEnvelope } } },
    async (req, reply) => {
      const user = userOf(req);
      return reply.status(201).send(item(user, await svc.create(user, req.body)));
    },
  );

  app.get('/api/announcements', { schema: { response: { 200: AnnouncementList } } }, async (req) => {
    const user = userOf(req);
    return { items: svc.list(user).map((a) => announcementView(user, a, ctx)) };
  });

  app.get(
    '/api/announcements/:id',
    { schema: { ...params, response: { 200: AnnouncementDetailEnvelope } } },
    async (req) => {
      const user = userOf(req);
      const a = svc.get(user, req.params.id);
      const logs = deps.store.deliveries.forAnnouncement(a.id);
      const communes = svc.communesOf(a).filter((c) => readableCommunes(user, deps.area).includes(c));
      const delivery = hamletDeliveries(a, deps.area, logs, (id) => deps.store.speakers.get(id), communes);
      return { id: a.id, status: a.status, announcement: { ...announcementView(user, a, ctx), delivery } };
    },
  );

  // an emergency on the air is changed with an emergency's body (no schedule: it plays at once)
  const Change = z.union([AnnouncementRequest, EmergencyRequest]);
  app.put(
    '/api/announcements/:id',
    { schema: { ...params, body: Change, response: { 200: AnnouncementEnvelope } } },
    async (req) => item(userOf(req), await svc.update(userOf(req), req.params.id, req.body)),
  );
  const transition = { schema: { ...params, response: { 200: AnnouncementEnvelope } } };
  app.post('/api/announcements/:id/submit', transition, async (req) =>
    item(userOf(req), svc.submit(userOf(req), req.params.id)),
  );
  app.post('/api/announcements/:id/approve', transition, async (req) =>
    item(userOf(req), svc.approve(userOf(req), req.params.id)),
  );
  app.post('/api/announcements/:id/reject', { schema: { ...transition.schema, body: RejectRequest } }, async (req) =>
    item(userOf(req), svc.reject(userOf(req), req.params.id, req.body)),
  );
  app.post('/api/announcements/:id/stop', transition, async (req) =>
    item(userOf(req), svc.stop(userOf(req), req.params.id)),
  );

  /** "Nghe thử": the speech of a text, made ahead (an emergency issued with the same words does not wait for it) */
  app.post('/api/speech', { schema: { response: { 200: SpeechEnvelope } } }, async (req) => {
    const meta = await svc.speech(userOf(req), req.body);
    const audio = { sha256: meta.sha256, durationS: meta.durationS, mime: meta.mime, bytes: meta.bytes };
    return { id: meta.sha256, audio, url: `/audio/${meta.sha256}` };
  });

  app.post(
    '/api/emergency',
    { schema: { body: EmergencyRequest, response: { 201: AnnouncementEnvelope } } },
    async (req, reply) => {
      const user = userOf(req);
      return reply.status(201).send(item(user, await svc.emergency(user, req.body)));
    },
  );

  app.get('/api/audit', { schema: { querystring: AuditQuery, response: { 200: AuditList } } }, async (req) => {
    const user = userOf(req);
    // a province or district user also sees the audit of their own unit's actions
    const own = user.unit && user.level !== 'commune' ? [user.unit] : [];
    const communes = user.role === 'admin' ? null : [...readableCommunes(user, deps.area), ...own];
    const limit = Math.min(Math.max(req.query.limit || 200, 1), 2000);
    const entries = deps.store.audit
      .list(communes, { target: req.query.target, limit })
      .flatMap((e) => visibleAuditEntry(user, e) ?? []);
    return { items: labelAudit(entries, deps.store) };
  });

  /** each speaker's schedule version and its last verdict */
  app.get('/api/speakers', { schema: { response: { 200: SpeakerList } } }, async (req) => {
    const user = userOf(req);
    requireRole(user, 'staff', 'leader', 'inspector', 'admin');
    const items = readableCommunes(user, deps.area).flatMap((c) =>
      deps.area.speakers(c).map((s) => {
        const row = deps.store.speakers.get(s.id);
        return {
          ...s,
          version: row?.version ?? 0,
          publishedAt: row?.published_at ?? null,
          pending: !!row?.publish_pending,
          status: row?.status ?? null,
          active: row?.status_active ?? null,
          reason: row?.status_reason ?? null,
          verdictLabel: verdictLabel(row?.status, row?.status_reason),
        };
      }),
    );
    return { items };
  });
}
