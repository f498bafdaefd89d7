import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  DeploymentAnswer,
  DeploymentList,
  DeploymentParams,
  DeploymentQuery,
  DeploymentRequest,
} from '../api/deployment.ts';
import { DEPLOYMENT_ITEMS } from '../report/declared.ts';
import { readableCommunes, requireOwn, requireReadable } from '../access.ts';
import type { DeploymentStore } from '../store/deployment.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

/**
 * Deployment items the devices cannot measure (console/report/declared.ts), entered and corrected by the commune's own
 * staff and leader; anyone who may read the commune sees them. Every change is in the audit trail with its
 * before and after, in the same transaction.
 */
export function registerDeploymentRoutes(fastify: FastifyInstance, deps: HttpDeps, store: DeploymentStore): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const query = { querystring: DeploymentQuery, response: { 200: DeploymentList } };
  app.get('/api/satisfaction/deployment', { schema: query }, async (req) => {
    const user = userOf(req);
    const communes = req.query.commune ? [req.query.commune] : readableCommunes(user, deps.area);
    for (const c of communes) requireReadable(user, deps.area, c);
    const declared = store.list(communes);
    const own = (code: string) => {
      try {
        requireOwn(user, deps.area, code);
        return true;
      } catch {
        return false;
      }
    };
    return {
      labels: DEPLOYMENT_ITEMS,
      communes: communes.map((code) => ({
        code,
        name: deps.area.communeName(code),
        editable: own(code),
        items: declared.get(code) ?? {},
      })),
    };
  });

  const change = { params: DeploymentParams, body: DeploymentRequest, response: { 200: DeploymentAnswer } };
  app.put('/api/satisfaction/deployment/:code', { preValidation: signedIn(), schema: change }, async (req) => {
    const user = userOf(req);
    const commune = req.params.code;
    requireOwn(user, deps.area, commune);
    const at = new Date(deps.clock.now()).toISOString();
    deps.store.tx(() => {
      const before = store.list([commune]).get(commune) ?? {};
      for (const [item, value] of Object.entries(req.body.items))
        store.set(commune, item as keyof typeof DEPLOYMENT_ITEMS, value!, user.username, at);
      deps.store.audit.record({
        at,
        username: user.username,
        commune,
        action: 'deployment.update',
        target: `deployment:${commune}`,
        before,
        after: store.list([commune]).get(commune) ?? {},
      });
    });
    return { code: commune, items: store.list([commune]).get(commune) ?? {} };
  });
}
