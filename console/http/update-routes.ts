import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { UpdateState } from '../../devices/contract/index.ts';
import { readableCommunes } from '../access.ts';
import { DeviceVersionList, RolloutEnvelope, RolloutList, RolloutRequest } from '../api/update.ts';
import type { Area } from '../area.ts';
import { deviceKindLabel } from '../device-labels.ts';
import { signedIn, userOf, type UpdateDeps } from './context.ts';

export const UPDATE_STATE_LABELS: Record<UpdateState, string> = {
  downloading: 'Đang tải xuống',
  verified: 'Đã kiểm tra chữ ký',
  updated: 'Đã cập nhật',
  failed: 'Thất bại',
  'rolled-back': 'Đã quay lại bản cũ',
};

/**
 *   GET  /api/updates/devices     each device's version and update state, for the communes the user may read
 *   POST /api/updates/rollouts    {announcement, communes, perMinute} -> {id, rollout}: a staged rollout (admin)
 *   GET  /api/updates/rollouts    rollouts and their progress (admin)
 */
export function registerUpdateRoutes(fastify: FastifyInstance, area: Area, updates: UpdateDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const admin = signedIn('admin');
  app.get('/api/updates/devices', { schema: { response: { 200: DeviceVersionList } } }, async (req) => {
    const user = userOf(req);
    const devices = readableCommunes(user, area).flatMap((commune) =>
      (area.registry.communes.get(commune)?.commune.devices ?? []).map((d) => {
        const u = updates.fleet.get(d.id);
        return {
          device: d.id,
          kind: d.kind,
          kindLabel: deviceKindLabel(d.kind),
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
    return { items: devices };
  });

  app.post(
    '/api/updates/rollouts',
    { preValidation: admin, schema: { body: RolloutRequest, response: { 202: RolloutEnvelope } } },
    async (req, reply) => {
      const rollout = updates.rollouts.start(req.body);
      return reply.status(202).send({ id: rollout.id, rollout });
    },
  );

  app.get('/api/updates/rollouts', { preValidation: admin, schema: { response: { 200: RolloutList } } }, async () => ({
    items: updates.rollouts.list(),
  }));
}
