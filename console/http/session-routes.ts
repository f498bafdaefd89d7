import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CounterList } from '../api/console.ts';
import { HamletList, MeAnswer, SessionAnswer, type PublicUser } from '../api/session.ts';
import { readableCommunes } from '../access.ts';
import { userRoleLabel } from '../levels.ts';
import { levelOf, type User } from '../model.ts';
import { DEVICE_COOKIE, SESSION_COOKIE, setDeviceCookie, setSessionCookie, userOf, type HttpDeps } from './context.ts';

export function publicUser(user: User, deps: HttpDeps): PublicUser {
  return {
    username: user.username,
    role: user.role,
    level: user.level,
    unit: user.unit,
    unitName: user.level && user.unit ? deps.area.unitName(user.level, user.unit) : null,
    roleLabel: userRoleLabel(user, deps.area),
    commune:
      (user.role === 'staff' || user.role === 'leader') && levelOf(user) === 'commune'
        ? (user.communes[0] ?? null)
        : null,
    communes: readableCommunes(user, deps.area).map((code) => ({ code, name: deps.area.communeName(code) })),
    displayName: user.displayName,
  };
}

export function registerSessionRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post('/api/session', { schema: { response: { 200: SessionAnswer } } }, async (req, reply) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const { token, user, deviceToken } = await deps.users.login(body.username, body.password, {
      address: req.ip,
      deviceToken: req.cookies[DEVICE_COOKIE] || undefined,
    });
    setSessionCookie(reply, token, deps);
    if (deviceToken) setDeviceCookie(reply, deviceToken, deps);
    return { token, user: publicUser(user, deps) };
  });

  app.delete('/api/session', async (req, reply) => {
    if (req.sessionToken && req.user) {
      deps.users.logout(req.sessionToken);
      deps.store.audit.record({
        at: new Date(deps.clock.now()).toISOString(),
        username: req.user.username,
        commune: req.user.communes[0] ?? req.user.unit ?? null,
        action: 'logout',
        target: req.user.username,
        before: null,
        after: null,
      });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/me', { schema: { response: { 200: MeAnswer } } }, async (req) => ({
    user: publicUser(userOf(req), deps),
  }));

  /** the one-stop counters of the user's commune(s), where rating boxes stand */
  app.get('/api/counters', { schema: { response: { 200: CounterList } } }, async (req) => {
    const user = userOf(req);
    const items = readableCommunes(user, deps.area).flatMap((commune) =>
      (deps.area.registry.communes.get(commune)?.commune.counters ?? []).map((k) => ({
        id: k.id,
        name: k.name,
        commune,
      })),
    );
    return { items };
  });

  /** hamlets of the user's commune(s), with their speakers */
  app.get('/api/hamlets', { schema: { response: { 200: HamletList } } }, async (req) => {
    const user = userOf(req);
    const items = readableCommunes(user, deps.area).flatMap((commune) =>
      deps.area.hamlets(commune).map((h) => ({
        id: h.id,
        name: h.name,
        commune,
        speakers: deps.area
          .speakers(commune)
          .filter((s) => s.hamlet === h.id)
          .map((s) => s.id),
      })),
    );
    return { items };
  });
}
