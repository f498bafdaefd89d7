import type { FleetVersions } from '../updates/fleet.ts';
import type { Rollouts } from '../updates/rollout.ts';
import type { ProvisioningService } from '../provisioning/service.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { AnnouncementService } from '../announcements.ts';
import type { Area } from '../area.ts';
import type { AudioFiles } from '../audio/files.ts';
import type { AudioService } from '../audio/service.ts';
import { requireRole } from '../access.ts';
import type { Stats } from '../api/admin.ts';
import { fail } from '../errors.ts';
import type { Role, User } from '../model.ts';
import type { Store } from '../store/index.ts';
import type { UserService } from '../users.ts';
import type { StationService } from '../relay/stations.ts';
import type { LiveService } from '../live/sessions.ts';
import type { CommuneKey } from '../keys.ts';
import type { PolicyService } from '../policy.ts';
import type { StopService } from '../stops.ts';
import type { FollowupService } from '../followup/service.ts';
import type { FollowupStore } from '../followup/store.ts';

/** The update routes' parts: where each device's version comes from, and the staged rollouts. */
export type UpdateDeps = { fleet: FleetVersions; rollouts: Rollouts };
/** The follow-up routes' parts: the cases and the service that opens, assigns and closes them. */
export type FollowupParts = { cases: FollowupStore; service: FollowupService };

export const SESSION_COOKIE = 'tt_session';
/** marks a browser that has logged in before: it is exempt from the account-wide lock (login-throttle.ts) */
export const DEVICE_COOKIE = 'tt_device';

export type HttpDeps = {
  store: Store;
  area: Area;
  users: UserService;
  announcements: AnnouncementService;
  audio: AudioService;
  audioFiles: AudioFiles;
  /** province-wide broadcasting (absent in a console built without them) */
  policy?: PolicyService;
  stops?: StopService;
  keys?: Map<string, CommuneKey>;
  /** how documents are built (the preview builds them the same way) */
  scheduleConfig?: { validityS: number; emergencyValidityS: number };
  log: Logger;
  clock: Clock;
  config: { secureCookies: boolean; sessionMs: number; maxAudioBytes: number };
  /** the collector's InfluxDB, for device health and alerts (absent: those routes answer 503) */
  influx?: { url: string; database: string };
  /** device provisioning by one-time code (absent: its routes answer 503) */
  provisioning?: ProvisioningService;
  /** device versions and staged rollouts of signed releases */
  updates?: UpdateDeps;
  /** serve HTTPS with this certificate (PEM) instead of plain HTTP */
  https?: { cert: Buffer; key: Buffer };
  /** follow-up cases of unhappy citizens (absent: their routes are not registered) */
  followup?: FollowupParts;
  /** counters shown at GET /api/stats (admin) */
  stats(): Stats;
  /** relay stations (console/relay/) */
  stations?: StationService;
  /** live broadcasts (console/live/), when a stream server is configured */
  live?: LiveService;
};

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    sessionToken?: string;
  }
}

/** the session token from `Authorization: Bearer` (API clients) or the HttpOnly cookie (the web UI) */
export function tokenOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  return req.cookies[SESSION_COOKIE] || undefined;
}

export function userOf(req: FastifyRequest): User {
  if (!req.user) fail('UNAUTHENTICATED');
  return req.user;
}

/**
 * A route's `preValidation`: refuse an anonymous caller (401) or a wrong role (403) before the request's
 * schema is checked, so nobody learns what a route accepts without being allowed to use it.
 */
export function signedIn(...roles: Role[]): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const user = userOf(req);
    if (roles.length) requireRole(user, ...roles);
  };
}

export function setSessionCookie(reply: FastifyReply, token: string, deps: HttpDeps): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: deps.config.secureCookies,
    maxAge: Math.floor(deps.config.sessionMs / 1000),
  });
}

export function setDeviceCookie(reply: FastifyReply, token: string, deps: HttpDeps): void {
  reply.setCookie(DEVICE_COOKIE, token, {
    path: '/api/session',
    httpOnly: true,
    sameSite: 'strict',
    secure: deps.config.secureCookies,
    maxAge: 400 * 86_400,
  });
}
