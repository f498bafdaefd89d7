import type { FastifyInstance } from 'fastify';
import { readableCommunes, requireRole, visibleAuditEntry } from '../access.ts';
import { labelAudit } from '../audit-labels.ts';
import { hamletDeliveries } from '../delivery.ts';
import { STATUS_LABELS, type Announcement } from '../model.ts';
import { userOf, type HttpDeps } from './context.ts';

export function view(a: Announcement) {
  return { ...a, statusLabel: STATUS_LABELS[a.status] };
}

type IdParams = { Params: { id: string } };

export function registerAnnouncementRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const svc = deps.announcements;

  app.post('/api/announcements', async (req, reply) => {
    const a = await svc.create(userOf(req), req.body);
    return reply.status(201).send({ id: a.id, status: a.status, announcement: view(a) });
  });

  app.get('/api/announcements', async (req) => svc.list(userOf(req)).map(view));

  app.get<IdParams>('/api/announcements/:id', async (req) => {
    const a = svc.get(userOf(req), req.params.id);
    const logs = deps.store.deliveries.forAnnouncement(a.id);
    return { ...view(a), delivery: hamletDeliveries(a, deps.area, logs, (id) => deps.store.speakers.get(id), svc.communesOf(a).filter((c) => readableCommunes(userOf(req), deps.area).includes(c))) };
  });

  app.put<IdParams>('/api/announcements/:id', async (req) => view(await svc.update(userOf(req), req.params.id, req.body)));
  app.post<IdParams>('/api/announcements/:id/submit', async (req) => view(svc.submit(userOf(req), req.params.id)));
  app.post<IdParams>('/api/announcements/:id/approve', async (req) => view(svc.approve(userOf(req), req.params.id)));
  app.post<IdParams>('/api/announcements/:id/reject', async (req) =>
    view(svc.reject(userOf(req), req.params.id, (req.body as { reason?: unknown } | undefined)?.reason)),
  );
  app.post<IdParams>('/api/announcements/:id/stop', async (req) => view(svc.stop(userOf(req), req.params.id)));

  /** "Nghe thử": the speech of a text, made ahead (an emergency issued with the same words does not wait for it) */
  app.post('/api/speech', async (req) => {
    const meta = await svc.speech(userOf(req), req.body);
    return { sha256: meta.sha256, durationS: meta.durationS, mime: meta.mime, bytes: meta.bytes, url: `/audio/${meta.sha256}` };
  });

  app.post('/api/emergency', async (req, reply) => {
    const a = await svc.emergency(userOf(req), req.body);
    return reply.status(201).send({ id: a.id, status: a.status, announcement: view(a) });
  });

  app.get<{ Querystring: { target?: string; limit?: string } }>('/api/audit', async (req) => {
    const user = userOf(req);
    // a province or district user also sees the audit of their own unit's actions
    const communes = user.role === 'admin' ? null : [...readableCommunes(user, deps.area), ...(user.unit && user.level !== 'commune' ? [user.unit] : [])];
    const limit = Math.min(Math.max(Number(req.query.limit) || 200, 1), 2000);
    return labelAudit(deps.store.audit.list(communes, { target: req.query.target, limit }).flatMap((e) => visibleAuditEntry(user, e) ?? []), deps.store);
  });

  /** each speaker's schedule version and its last verdict */
  app.get('/api/speakers', async (req) => {
    const user = userOf(req);
    requireRole(user, 'staff', 'leader', 'inspector', 'admin');
    return readableCommunes(user, deps.area).flatMap((c) =>
      deps.area.speakers(c).map((s) => {
        const row = deps.store.speakers.get(s.id);
        return { ...s, version: row?.version ?? 0, publishedAt: row?.published_at ?? null, pending: !!row?.publish_pending, status: row?.status ?? null, active: row?.status_active ?? null, reason: row?.status_reason ?? null };
      }),
    );
  });
}
