import type { FastifyInstance } from 'fastify';
import type { UpdateState } from '../../devices/contract/index.ts';
import { readableCommunes, requireRole } from '../access.ts';
import type { Area } from '../area.ts';
import { userOf, type UpdateDeps } from './context.ts';

export const UPDATE_STATE_LABELS: Record<UpdateState, string> = {
  downloading: 'Đang tải xuống',
  verified: 'Đã kiểm tra chữ ký',
  updated: 'Đã cập nhật',
  failed: 'Thất bại',
  'rolled-back': 'Đã quay lại bản cũ',
};

/**
 *   GET  /api/updates/devices     each device's version and update state, for the communes the user may read
 *   POST /api/updates/rollouts    {announcement, communes, perMinute}  a staged rollout of a signed release (admin)
 *   GET  /api/updates/rollouts    rollouts and their progress (admin)
 */
export function registerUpdateRoutes(app: FastifyInstance, area: Area, updates: UpdateDeps): void {
  app.get('/api/updates/devices', async (req) => {
    const user = userOf(req);
    const devices = readableCommunes(user, area).flatMap((commune) =>
      (area.registry.communes.get(commune)?.commune.devices ?? []).map((d) => {
        const u = updates.fleet.get(d.id);
        return {
          device: d.id,
          kind: d.kind,
          commune,
          communeName: area.communeName(commune),
          version: u?.version ?? null,
          target: u?.target ?? null,
          state: u?.state ?? null,
          stateLabel: u?.state ? UPDATE_STATE_LABELS[u.state] : null,
          reason: u?.reason ?? null,
          at: u?.at ?? null,
        };
      }),
    );
    return { devices };
  });

  app.post('/api/updates/rollouts', async (req, reply) => {
    requireRole(userOf(req), 'admin');
    return reply.status(202).send(updates.rollouts.start(req.body));
  });

  app.get('/api/updates/rollouts', async (req) => {
    requireRole(userOf(req), 'admin');
    return { rollouts: updates.rollouts.list() };
  });
}
