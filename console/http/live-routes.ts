import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LiveList, LiveParams, LiveRequest, LiveSessionView } from '../api/live.ts';
import { ConsoleError } from '../errors.ts';
import { originRefusal } from './cross-site.ts';
import type { LiveService, LiveSession } from '../live/sessions.ts';
import { userOf } from './context.ts';

type IdParams = { Params: { id: string } };

const STATUS_LABELS: Record<LiveSession['status'], string> = {
  requested: 'Chờ lãnh đạo duyệt',
  ready: 'Sẵn sàng',
  'on-air': 'Đang phát',
  ended: 'Đã kết thúc',
};

/** the mount is the console's secret; the state is said in words (a lost feed being restored included) */
function view({ mount: _secret, ...s }: LiveSession): LiveSessionView {
  let statusLabel = STATUS_LABELS[s.status];
  if (s.status === 'on-air' && s.feed?.state === 'reconnecting') statusLabel = 'Mất kết nối máy chủ phát, đang nối lại';
  if (s.approvedBy && s.approvedBy !== s.by) statusLabel += ` (duyệt: ${s.approvedBy})`;
  return { ...s, statusLabel };
}

/**
 * "Phát trực tiếp": sessions over JSON, the microphone over an authenticated WebSocket
 * (/api/live/:id/feed: binary MediaRecorder chunks in; the session cookie or bearer token authenticates the
 * upgrade, and a cross-site one is refused with 403 before the upgrade: the global cross-site guard only
 * looks at state-changing methods, and an upgrade is a GET that any page may open with the cookies).
 */
export async function registerLiveRoutes(fastify: FastifyInstance, live: LiveService): Promise<void> {
  await fastify.register(websocket, { options: { maxPayload: 256 * 1024 } });
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const one = { params: LiveParams, response: { 200: LiveSessionView } };

  app.post('/api/live', { schema: { body: LiveRequest, response: { 201: LiveSessionView } } }, async (req, reply) =>
    reply.status(201).send(view(live.request(userOf(req), req.body))),
  );
  app.get('/api/live', { schema: { response: { 200: LiveList } } }, async (req) => ({
    items: live.list(userOf(req)).map(view),
  }));
  app.get('/api/live/:id', { schema: one }, async (req) => view(live.get(userOf(req), req.params.id)));
  app.post('/api/live/:id/approve', { schema: one }, async (req) => view(live.approve(userOf(req), req.params.id)));
  app.post('/api/live/:id/end', { schema: one }, async (req) => view(live.end(userOf(req), req.params.id)));

  const refuseForeign = async (req: FastifyRequest) => {
    const refusal = originRefusal(req);
    if (refusal) throw refusal;
    userOf(req); // unauthenticated: 401 before the upgrade
  };
  fastify.get<IdParams>('/api/live/:id/feed', { websocket: true, preValidation: refuseForeign }, (socket, req) => {
    let session: LiveSession;
    const user = req.user;
    try {
      const refusal = originRefusal(req);
      if (refusal) throw refusal;
      session = live.openFeed(userOf(req), req.params.id);
    } catch (err) {
      const e = err instanceof ConsoleError ? err : new ConsoleError('INTERNAL');
      socket.send(JSON.stringify(e.toBody()));
      socket.close(4000 + Math.min(999, e.status), e.code);
      return;
    }
    socket.send(JSON.stringify({ ok: true, id: session.id }));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      void live.chunk(user!, session, data).catch((err) => req.log.error({ err }, 'live chunk failed'));
    });
    socket.on('close', () => live.end(user!, session.id, true));
  });
}
