import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  AssignRequest,
  CaseEnvelope,
  CaseList,
  CaseListQuery,
  CaseParams,
  CloseRequest,
  EmailAnswer,
  EmailRequest,
  EventsAnswer,
  EventsQuery,
  StepRequest,
  SummaryAnswer,
  SummaryQuery,
} from '../api/followup.ts';
import { ownCommune, readableCommunes, requireReadable } from '../access.ts';
import { isLeaderOf } from '../commune-leader.ts';
import { parsePeriod } from '../dossiers/period.ts';
import { fail } from '../errors.ts';
import type { CaseRow, CaseStep } from '../followup/store.ts';
import type { User } from '../model.ts';
import { signedIn, userOf, type FollowupParts, type HttpDeps } from './context.ts';

/**
 * Follow-up cases: the commune's leader sees them all and assigns; the assignee sees and works the cases
 * given to them (contacts with the citizen, actions, closing). Counts (no details) are readable like any
 * commune figure. The event feed (for Node-RED → Zalo/SMS) is a leader's, without officer, steps or closing text.
 */
export function registerFollowupRoutes(fastify: FastifyInstance, deps: HttpDeps, parts: FollowupParts): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { cases, service } = parts;
  const caseFor = (user: User, id: string, opts: { leaderOnly?: boolean } = {}): CaseRow => {
    const row = cases.get(Number(id));
    if (!row) fail('CASE_NOT_FOUND');
    const leader = isLeaderOf(user, deps.area, row.commune);
    if (!leader && (opts.leaderOnly || row.assignee !== user.username)) fail('LEADER_ONLY');
    return row;
  };
  const openCaseFor = (user: User, id: string, opts: { leaderOnly?: boolean } = {}): CaseRow => {
    const row = caseFor(user, id, opts);
    if (row.closedAt !== null) fail('CASE_CLOSED');
    return row;
  };
  const step = (user: User, kind: CaseStep['kind'], text: string): CaseStep => ({
    at: deps.clock.now(),
    by: user.username,
    kind,
    text,
  });
  const envelope = (row: CaseRow) => ({ id: row.id, case: service.view(row) });
  const onCase = { preValidation: signedIn(), schema: { params: CaseParams, response: { 200: CaseEnvelope } } };

  app.get(
    '/api/followup/cases',
    { preValidation: signedIn(), schema: { querystring: CaseListQuery, response: { 200: CaseList } } },
    async (req) => {
      const user = userOf(req);
      const { commune } = req.query;
      requireReadable(user, deps.area, commune);
      if (isLeaderOf(user, deps.area, commune)) return { items: cases.list(commune).map((r) => service.view(r)) };
      if (ownCommune(user, deps.area) !== commune) fail('LEADER_ONLY');
      return { items: cases.list(commune, { assignee: user.username }).map((r) => service.view(r)) };
    },
  );

  app.post(
    '/api/followup/cases/:id/assign',
    { ...onCase, schema: { ...onCase.schema, body: AssignRequest } },
    async (req) => {
      const user = userOf(req);
      const row = openCaseFor(user, req.params.id, { leaderOnly: true });
      const { assignee } = req.body;
      const target = deps.store.users.byUsername(assignee);
      if (
        !target ||
        target.disabled ||
        !['staff', 'leader'].includes(target.role) ||
        target.communes[0] !== row.commune
      )
        fail('ASSIGNEE_INVALID');
      const next = cases.addStep(row.id, step(user, 'assign', assignee), { assignee });
      service.notifyAssigned(next, user.username);
      return envelope(next);
    },
  );

  app.post(
    '/api/followup/cases/:id/steps',
    { ...onCase, schema: { ...onCase.schema, body: StepRequest } },
    async (req) => {
      const user = userOf(req);
      const row = openCaseFor(user, req.params.id);
      return envelope(cases.addStep(row.id, step(user, req.body.kind, req.body.text)));
    },
  );

  app.post(
    '/api/followup/cases/:id/close',
    { ...onCase, schema: { ...onCase.schema, body: CloseRequest } },
    async (req) => {
      const user = userOf(req);
      const row = openCaseFor(user, req.params.id);
      const { closing } = req.body;
      return envelope(cases.addStep(row.id, step(user, 'close', closing), { closedAt: deps.clock.now(), closing }));
    },
  );

  app.get(
    '/api/followup/summary',
    { preValidation: signedIn(), schema: { querystring: SummaryQuery, response: { 200: SummaryAnswer } } },
    async (req) => {
      const user = userOf(req);
      const { commune } = req.query;
      requireReadable(user, deps.area, commune);
      const period = parsePeriod(req.query);
      return { commune, ...service.summary(commune, period.from, period.to) };
    },
  );

  app.put(
    '/api/followup/email',
    { preValidation: signedIn(), schema: { body: EmailRequest, response: { 200: EmailAnswer } } },
    async (req) => {
      const user = userOf(req);
      const { email } = req.body;
      cases.setEmail(user.username, email);
      return { username: user.username, email };
    },
  );

  /** ordered feed of case events after `after` (seq), for integrators; the officer is left out */
  app.get(
    '/api/followup/events',
    { preValidation: signedIn(), schema: { querystring: EventsQuery, response: { 200: EventsAnswer } } },
    async (req) => {
      const user = userOf(req);
      // a leader's feed: contact notes and steps stay in the console (the answer's schema leaves them out)
      const communes = readableCommunes(user, deps.area).filter((c) => isLeaderOf(user, deps.area, c));
      if (req.query.after === 'latest') return { items: [], last: cases.lastEvent(communes) };
      const after = Number(req.query.after);
      const items = cases.events(communes, after).map((e) => ({ ...e, case: service.view(e.case) }));
      return { items, last: items.length ? items[items.length - 1]!.seq : after };
    },
  );
}
