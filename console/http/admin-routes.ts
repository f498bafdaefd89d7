import type { FastifyInstance } from 'fastify';
import { requireRole } from '../access.ts';
import { availableRoles } from '../levels.ts';
import { userOf, type HttpDeps } from './context.ts';
import { publicUser } from './session-routes.ts';

export function registerAdminRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get('/api/users', async (req) => {
    requireRole(userOf(req), 'admin');
    return deps.store.users.listAll().map((u) => ({ ...publicUser(u, deps), disabled: u.disabled }));
  });

  /** the roles this console can give (district ones only where the registry has districts), with their labels */
  app.get('/api/roles', async (req) => {
    requireRole(userOf(req), 'admin');
    return availableRoles(deps.area);
  });

  app.post('/api/users', async (req, reply) => {
    const admin = userOf(req);
    requireRole(admin, 'admin');
    const user = await deps.users.create(req.body, admin.username);
    return reply.status(201).send({ user: publicUser(user, deps) });
  });

  app.delete<{ Params: { username: string } }>('/api/users/:username', async (req) => {
    const admin = userOf(req);
    requireRole(admin, 'admin');
    deps.users.disable(req.params.username, admin.username);
    return { ok: true };
  });

  app.post<{ Params: { username: string } }>('/api/users/:username/enable', async (req) => {
    const admin = userOf(req);
    requireRole(admin, 'admin');
    deps.users.enable(req.params.username, admin.username);
    return { ok: true };
  });

  app.get('/api/stats', async (req) => {
    requireRole(userOf(req), 'admin', 'leader', 'inspector');
    return deps.stats();
  });
}
