import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { NewUserRequest, RoleList, Stats, UserEnvelope, UserList, UserParams } from '../api/admin.ts';
import { fail } from '../errors.ts';
import { availableRoles } from '../levels.ts';
import type { User } from '../model.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';
import { publicUser } from './session-routes.ts';

export function registerAdminRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const admin = signedIn('admin');
  const listed = (u: User & { disabled: boolean }) => ({ ...publicUser(u, deps), disabled: u.disabled });
  const envelope = (username: string) => {
    const u = deps.store.users.byUsername(username) ?? fail('USER_NOT_FOUND');
    return { id: u.username, user: listed(u) };
  };

  app.get('/api/users', { preValidation: admin, schema: { response: { 200: UserList } } }, async () => ({
    items: deps.store.users.listAll().map(listed),
  }));

  /** the roles this console can give (district ones only where the registry has districts), with their labels */
  app.get('/api/roles', { preValidation: admin, schema: { response: { 200: RoleList } } }, async () => ({
    items: availableRoles(deps.area),
  }));

  app.post(
    '/api/users',
    { preValidation: admin, schema: { body: NewUserRequest, response: { 201: UserEnvelope } } },
    async (req, reply) => {
      const user = await deps.users.create(req.body, userOf(req).username);
      return reply.status(201).send(envelope(user.username));
    },
  );

  /** lock an account (it keeps its name and audit history) */
  app.delete(
    '/api/users/:username',
    { preValidation: admin, schema: { params: UserParams, response: { 200: UserEnvelope } } },
    async (req) => {
      deps.users.disable(req.params.username, userOf(req).username);
      return envelope(req.params.username);
    },
  );

  app.post(
    '/api/users/:username/enable',
    { preValidation: admin, schema: { params: UserParams, response: { 200: UserEnvelope } } },
    async (req) => {
      deps.users.enable(req.params.username, userOf(req).username);
      return envelope(req.params.username);
    },
  );

  app.get(
    '/api/stats',
    { preValidation: signedIn('admin', 'leader', 'inspector'), schema: { response: { 200: Stats } } },
    async () => deps.stats(),
  );
}
