import type { FastifyRequest } from 'fastify';
import { userOf } from './context.ts';

/**
 * A route's `onRequest`: an anonymous caller is refused (401) before the request's schema is checked, so
 * nobody learns what a route accepts without signing in.
 */
export async function requireUser(req: FastifyRequest): Promise<void> {
  userOf(req);
}
