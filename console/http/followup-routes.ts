import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ownCommune, readableCommunes, requireReadable } from '../access.ts';
import { isLeaderOf } from '../commune-leader.ts';
import { parsePeriod } from '../dossiers/period.ts';
import { fail } from '../errors.ts';
import type { CaseRow, CaseStep } from '../followup/store.ts';
import type { User } from '../model.ts';
import { userOf, type FollowupParts, type HttpDeps } from './context.ts';

const Assign = z.strictObject({ assignee: z.string().min(1).max(64) });
const Step = z.strictObject({ kind: z.enum(['contact', 'action']), text: z.string().trim().min(1).max(4000) });
const Close = z.strictObject({ closing: z.string().trim().min(1).max(4000) });
const Email = z.strictObject({ email: z.email().max(200) });

/**
 * Follow-up cases: the commune's leader sees them all and assigns; the assignee sees and works the cases
 * given to them (contacts with the citizen, actions, closing). Counts (no details) are readable like any
 * commune figure. The event feed (for Node-RED → Zalo/SMS) is a leader's, without officer, steps or closing text.
 */
export function registerFollowupRoutes(app: FastifyInstance, deps: HttpDeps, parts: FollowupParts): void {
  const { cases, service } = parts;
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const r = schema.safeParse(body);
    if (!r.success) fail('INVALID_INPUT');
    return r.data;
  };
  const caseFor = (user: User, id: string, opts: { leaderOnly?: boolean } = {}): CaseRow => {
    const row = /^\d{1,12}$/.test(id) ? cases.get(Number(id)) : undefined;
    if (!row) fail('CASE_NOT_FOUND');
    const leader = isLeaderOf(user, deps.area, row.commune);
    if (!leader && (opts.leaderOnly || row.assignee !== user.username)) fail('LEADER_ONLY');
    return row;
  };
  const step = (user: User, kind: CaseStep['kind'], text: string): CaseStep => ({
    at: deps.clock.now(),
    by: user.username,
    kind,
    text,
  });

  app.get('/api/followup/cases', async (req) => {
    const user = userOf(req);
    const commune = String((req.query as { commune?: string }).commune ?? '');
    requireReadable(user, deps.area, commune);
    if (isLeaderOf(user, deps.area, commune)) return { cases: cases.list(commune).map((r) => service.view(r)) };
    if (ownCommune(user, deps.area) !== commune) fail('LEADER_ONLY');
    return { cases: cases.list(commune, { assignee: user.username }).map((r) => service.view(r)) };
  });

  app.post('/api/followup/cases/:id/assign', async (req) => {
    const user = userOf(req);
    const row = caseFor(user, (req.params as { id: string }).id, { leaderOnly: true });
    if (row.closedAt !== null) fail('CASE_CLOSED');
    const { assignee } = parse(Assign, req.body);
    const target = deps.store.users.byUsername(assignee);
    if (!target || target.disabled || !['staff', 'leader'].includes(target.role) || target.communes[0] !== row.commune)
      fail('ASSIGNEE_INVALID');
    const next = cases.addStep(row.id, step(user, 'assign', assignee), { assignee });
    service.notifyAssigned(next, user.username);
    return service.view(next);
  });

  app.post('/api/followup/cases/:id/steps', async (req) => {
    const user = userOf(req);
    const row = caseFor(user, (req.params as { id: string }).id);
    if (row.closedAt !== null) fail('CASE_CLOSED');
    const body = parse(Step, req.body);
    return service.view(cases.addStep(row.id, step(user, body.kind, body.text)));
  });

  app.post('/api/followup/cases/:id/close', async (req) => {
    const user = userOf(req);
    const row = caseFor(user, (req.params as { id: string }).id);
    if (row.closedAt !== null) fail('CASE_CLOSED');
    const { closing } = parse(Close, req.body);
    return service.view(cases.addStep(row.id, step(user, 'close', closing), { closedAt: deps.clock.now(), closing }));
  });

  app.get('/api/followup/summary', async (req) => {
    const user = userOf(req);
    const q = req.query as { commune?: string; from?: string; to?: string };
    const commune = String(q.commune ?? '');
    requireReadable(user, deps.area, commune);
    const period = parsePeriod(q);
    return { commune, ...service.summary(commune, period.from, period.to) };
  });

  app.put('/api/followup/email', async (req) => {
    const user = userOf(req);
    const { email } = parse(Email, req.body);
    cases.setEmail(user.username, email);
    return { username: user.username, email };
  });

  /** ordered feed of case events after `after` (seq), for integrators; the officer is left out */
  app.get('/api/followup/events', async (req) => {
    const user = userOf(req);
    const raw = (req.query as { after?: string }).after ?? '0';
    // a leader's feed: contact notes and steps stay in the console, the officer is left out
    const communes = readableCommunes(user, deps.area).filter((c) => isLeaderOf(user, deps.area, c));
    // "latest": where a new reader starts, without the history
    if (raw === 'latest') return { events: [], last: cases.lastEvent(communes) };
    const after = Number(raw);
    if (!Number.isInteger(after) || after < 0) fail('INVALID_INPUT');
    const events = cases.events(communes, after).map((e) => ({
      ...e,
      case: { ...service.view(e.case), officer: undefined, steps: undefined, closing: undefined },
    }));
    return { events, last: events.length ? events[events.length - 1]!.seq : after };
  });
}
