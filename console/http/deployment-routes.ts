import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEPLOYMENT_ITEMS, DEPLOYMENT_ITEM_KEYS } from '../report/declared.ts';
import { readableCommunes, requireOwn, requireReadable } from '../access.ts';
import { fail } from '../errors.ts';
import type { DeploymentStore } from '../store/deployment.ts';
import { userOf, type HttpDeps } from './context.ts';

/**
 * Deployment items the devices cannot measure (console/report/declared.ts), entered and corrected by the commune's own
 * staff and leader; anyone who may read the commune sees them. Every change is in the audit trail with its
 * before and after, in the same transaction.
 */
const Body = z.strictObject({
  items: z.partialRecord(
    z.enum(DEPLOYMENT_ITEM_KEYS as [string, ...string[]]),
    z.strictObject({ present: z.boolean(), note: z.string().trim().max(500).default('') }),
  ),
});

export function registerDeploymentRoutes(app: FastifyInstance, deps: HttpDeps, store: DeploymentStore): void {
  app.get<{ Querystring: { commune?: string } }>('/api/satisfaction/deployment', async (req) => {
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

  app.put<{ Params: { code: string } }>('/api/satisfaction/deployment/:code', async (req) => {
    const user = userOf(req);
    const commune = req.params.code;
    requireOwn(user, deps.area, commune);
    const parsed = Body.safeParse(req.body);
    if (!parsed.success || !Object.keys(parsed.data.items).length) fail('DEPLOYMENT_INVALID');
    const at = new Date(deps.clock.now()).toISOString();
    deps.store.tx(() => {
      const before = store.list([commune]).get(commune) ?? {};
      for (const [item, value] of Object.entries(parsed.data.items))
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
