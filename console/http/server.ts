import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { codedIssue } from '../api/coded.ts';
import { ConsoleError } from '../errors.ts';
import { tokenOf, type HttpDeps } from './context.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerAnnouncementRoutes } from './announcement-routes.ts';
import { registerAudioRoutes } from './audio-routes.ts';
import { registerBroadcastRoutes } from './broadcast-routes.ts';
import { registerCrossSiteGuard } from './cross-site.ts';
import { registerDeviceRoutes } from './device-routes.ts';
import { registerSatisfactionRoutes } from './satisfaction-routes.ts';
import { registerDossierRoutes } from './dossier-routes.ts';
import { registerFollowupRoutes } from './followup-routes.ts';
import { registerServiceReportRoutes } from './service-report-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerProvisioningRoutes } from './provisioning-routes.ts';
import { registerUpdateRoutes } from './update-routes.ts';
import { registerRelayRoutes } from './relay-routes.ts';
import { registerLiveRoutes } from './live-routes.ts';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** The console's HTTP server: JSON API under /api, audio by hash under /audio, the Vietnamese web UI at /. */
export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    ...(deps.https ? { https: deps.https } : {}),
  }) as unknown as FastifyInstance;
  // requests are checked and answers serialized by the zod schemas of console/api/
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: deps.config.maxAudioBytes, files: 1, fields: 5 } });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: 'index.html' });

  registerCrossSiteGuard(app);
  app.addHook('onRequest', async (req) => {
    const token = tokenOf(req);
    if (!token) return;
    const user = deps.users.userForToken(token);
    if (user) {
      req.user = user;
      req.sessionToken = token;
    }
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = toConsoleError(err, req.url);
    if (known.status >= 500) req.log.error({ err }, 'request failed');
    return reply.status(known.status).send(known.toBody());
  });
  app.setNotFoundHandler((_req, reply) => {
    const e = new ConsoleError('ROUTE_NOT_FOUND');
    return reply.status(404).send(e.toBody());
  });

  registerSessionRoutes(app, deps);
  registerAnnouncementRoutes(app, deps);
  registerAudioRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerSatisfactionRoutes(app, deps);
  registerProvisioningRoutes(app, deps.provisioning, deps.area);
  if (deps.updates) registerUpdateRoutes(app, deps.area, deps.updates);
  registerBroadcastRoutes(app, deps);
  registerDossierRoutes(app, deps);
  if (deps.followup) registerFollowupRoutes(app, deps, deps.followup);
  registerServiceReportRoutes(app, deps, deps.followup);
  if (deps.stations) registerRelayRoutes(app, deps.stations);
  if (deps.live) await registerLiveRoutes(app, deps.live);
  return app;
}

/** Everything that leaves the API is a coded error with a Vietnamese message. */
function toConsoleError(err: FastifyError, url: string): ConsoleError {
  if (err instanceof ConsoleError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = codedIssue(
      err.validation.map((v) => ({
        ...v.params,
        code: v.keyword,
        message: v.message ?? '',
        path: v.instancePath.split('/').filter(Boolean),
      })),
    );
    return new ConsoleError(issue.code, issue.detail);
  }
  // an answer that does not match its schema is the console's fault, never shown half-written
  if (isResponseSerializationError(err)) return new ConsoleError('INTERNAL');
  if (err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_FILES_LIMIT')
    return new ConsoleError('AUDIO_TOO_LARGE');
  if (err.statusCode === 413)
    return new ConsoleError(url.startsWith('/api/audio') ? 'AUDIO_TOO_LARGE' : 'BODY_TOO_LARGE');
  if (err.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new ConsoleError('UPLOAD_INVALID');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ConsoleError('INVALID_INPUT');
  return new ConsoleError('INTERNAL');
}
