import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConsoleError } from '../errors.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** routes that take a file upload; every other state change takes JSON or no body */
const MULTIPART_ROUTES = ['/api/audio', '/api/dossiers/import'];

function mediaType(req: FastifyRequest): string | undefined {
  const ct = req.headers['content-type'];
  return ct ? ct.split(';')[0]!.trim().toLowerCase() : undefined;
}

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/**
 * Refuses cross-site state changes. SameSite=Strict does not cover another port or a sibling host of the same
 * site (Node-RED, Grafana on the same server), so each POST/PUT/PATCH/DELETE must come from this very origin
 * (Fetch Metadata, then Origin) and carry JSON (multipart only where a file is uploaded): an HTML form can send
 * neither a foreign JSON body nor these headers.
 */
export function crossSiteRefusal(req: FastifyRequest): ConsoleError | undefined {
  if (!STATE_CHANGING.has(req.method)) return undefined;
  const foreign = originRefusal(req);
  if (foreign) return foreign;
  const type = mediaType(req);
  const path = req.url.split('?')[0]!;
  const multipart = MULTIPART_ROUTES.includes(path);
  if (type === undefined)
    return hasBody(req) ? new ConsoleError(multipart ? 'UPLOAD_INVALID' : 'CONTENT_TYPE_REFUSED') : undefined;
  if (multipart) return type === 'multipart/form-data' ? undefined : new ConsoleError('UPLOAD_INVALID');
  return type === 'application/json' ? undefined : new ConsoleError('CONTENT_TYPE_REFUSED');
}

/**
 * The request must come from this very origin: Fetch Metadata says same-origin (or a typed URL), and an
 * Origin, when sent, names this host. Also the check of a WebSocket upgrade (a GET, which browsers send
 * cross-site with the cookies and without CORS: the route must call this itself, before the upgrade).
 */
export function originRefusal(req: FastifyRequest): ConsoleError | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return new ConsoleError('CROSS_SITE_REFUSED');
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (!host || host !== req.headers.host) return new ConsoleError('CROSS_SITE_REFUSED');
  }
  return undefined;
}

export function registerCrossSiteGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const refusal = crossSiteRefusal(req);
    if (refusal) return reply.status(refusal.status).send(refusal.toBody());
  });
}
