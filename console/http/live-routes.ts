import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConsoleError } from '../errors.ts';
import { originRefusal } from './cross-site.ts';
import type { LiveService, LiveSession } from '../live/sessions.ts';
import { userOf } from './context.ts';

type IdParams = { Params: { id: string } };

const view = ({ mount: _secret, ...s }: LiveSession) => s;

/**
 * "Phát trực tiếp": sessions over JSON, the microphone over an authenticated WebSocket
 * (/api/live/:id/feed: binary MediaRecorder chunks in; the session cookie or bearer token authenticates the
 * upgrade, and a cross-site one is refused with 403 before the upgrade: the global cross-site guard only
 * looks at state-changing methods, and an upgrade is a GET that any page may open with the cookies).
 */
export async function registerLiveRoutes(app: FastifyInstance, live: LiveService): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 256 * 1024 } });

  app.post('/api/live', async (req, reply) => reply.status(201).send(view(live.request(userOf(req), req.body))));
  app.get('/api/live', async (req) => live.list(userOf(req)).map(view));
  app.get<IdParams>('/api/live/:id', async (req) => view(live.get(userOf(req), req.params.id)));
  app.post<IdParams>('/api/live/:id/approve', async (req) => view(live.approve(userOf(req), req.params.id)));
  app.post<IdParams>('/api/live/:id/end', async (req) => view(live.end(userOf(req), req.params.id)));

  const refuseForeign = async (req: FastifyRequest) => {
    const refusal = originRefusal(req);
    if (refusal) throw refusal;
    userOf(req); // unauthenticated: 401 before the upgrade
  };
  app.get<IdParams>('/api/live/:id/feed', { websocket: true, preValidation: refuseForeign }, (socket, req) => {
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
