import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../console/errors.ts';
import { isWorkingDay, workingDeadline } from '../../console/followup/holidays.ts';
import { freePort } from '../../infra/ports.ts';
import { testDatabase } from '../harness/influx.ts';
import { consoleEnv, waitFor, type Env } from '../console/helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { ratingPoint } from '../support/rating-point.ts';

// Friday 24/4/2026 10:00 in Vietnam; Monday 27/4 is the day off for Hùng Kings' day (a Sunday), 30/4 and 1/5 are holidays
const NOW = Date.parse('2026-04-24T10:00:00+07:00');
const vnMidnight = (d: string) => Date.parse(`${d}T00:00:00+07:00`);

describe('working-day deadlines', () => {
  it('skips weekends and public holidays', () => {
    expect(isWorkingDay('2026-04-27')).toBe(false); // compensatory day for Hùng Kings
    expect(isWorkingDay('2026-02-18')).toBe(false); // Tết
    expect(isWorkingDay('2026-04-28')).toBe(true);
    expect(isWorkingDay('2025-04-26')).toBe(true); // a Saturday swapped to a working day
    // one working day after Friday: not Saturday, Sunday or the holiday Monday, but Tuesday 28/4 (ends at midnight)
    expect(workingDeadline(NOW, 1)).toBe(vnMidnight('2026-04-29'));
    // 15 working days: 28, 29/4; 4–8/5; 11–15/5; 18, 19, 20/5 (30/4 and 1/5 are holidays)
    expect(workingDeadline(NOW, 15)).toBe(vnMidnight('2026-05-21'));
  });

  it('refuses to compute past the end of the holiday table instead of guessing', () => {
    let err: unknown;
    try {
      workingDeadline(Date.parse('2027-12-20T10:00:00+07:00'), 15);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConsoleError);
    expect((err as ConsoleError).code).toBe('HOLIDAYS_NOT_COVERED');
    expect((err as ConsoleError).message).toContain('2028');
  });
});

describe('follow-up of bad ratings', () => {
  let env: Env;
  let smtp: SMTPServer;
  const mails: { to: string[]; text: string }[] = [];
  const db = testDatabase('followup');
  const clock = new FakeClock(NOW);
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            text: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
    await db.influx.createDatabase(db.database);
    env = await consoleEnv(
      {
        influx: { url: db.url, database: db.database },
        followup: {
          pollMs: 3_600_000,
          smtp: { host: '127.0.0.1', port, requireTls: false, from: 'thanthien@xa1.test' },
        },
      },
      clock,
    );
    for (const u of ['canbo1', 'lanhdao1', 'canbo2', 'lanhdao2', 'huyen']) tokens[u] = await env.login(u);
    await env.api(tokens.lanhdao1!, 'PUT', '/api/followup/email', { email: 'lanhdao1@xa1.test' });
    await env.api(tokens.canbo1!, 'PUT', '/api/followup/email', { email: 'canbo1@xa1.test' });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  const list = async (u: string) => (await env.api(tokens[u]!, 'GET', '/api/followup/cases?commune=90001')).body;

  it('a "Không hài lòng" pressed while the console was down opens one case on restart, with its deadline, and mails the leader', async () => {
    await db.influx.writePoints(
      [
        ratingPoint('khong-hai-long', NOW - 3_600_000, { dossier: 'HS-42', officer: 'CB01' }),
        ratingPoint('hai-long', NOW - 3_000_000),
      ],
      { database: db.database },
    );
    await env.restart();
    tokens.lanhdao1 = await env.login('lanhdao1');
    tokens.canbo1 = await env.login('canbo1');
    const cases = await waitFor(async () =>
      (await list('lanhdao1')).items?.length ? (await list('lanhdao1')).items : undefined,
    );
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      kind: 'rating',
      dossier: 'HS-42',
      officer: 'CB01',
      counter: 'xa1-quay1',
      dueAt: vnMidnight('2026-05-21'),
      overdue: false,
      assignee: null,
    });
    const mail = await waitFor(() => mails.find((m) => m.to.includes('lanhdao1@xa1.test')));
    expect(mail.text).toContain('HS-42');
    expect(mail.text).toContain('20/05/2026'); // the deadline, as a Vietnamese date
    // reconciling again opens nothing new
    await env.console.followup.reconcile();
    expect((await list('lanhdao1')).items).toHaveLength(1);
  });

  it("is the leader's to see and assign; the assignee works it; others are refused", async () => {
    expect((await list('canbo1')).items).toEqual([]); // not assigned to them
    expect((await env.api(tokens.lanhdao2!, 'GET', '/api/followup/cases?commune=90001')).status).toBe(403);
    expect((await env.api(tokens.huyen!, 'GET', '/api/followup/cases?commune=90001')).status).toBe(403);
    const id = (await list('lanhdao1')).items[0].id;
    expect(
      (await env.api(tokens.canbo1!, 'POST', `/api/followup/cases/${id}/assign`, { assignee: 'canbo1' })).body.error
        .code,
    ).toBe('LEADER_ONLY');
    expect(
      (await env.api(tokens.lanhdao1!, 'POST', `/api/followup/cases/${id}/assign`, { assignee: 'canbo2' })).body.error
        .code,
    ).toBe('ASSIGNEE_INVALID');
    const assigned = await env.api(tokens.lanhdao1!, 'POST', `/api/followup/cases/${id}/assign`, {
      assignee: 'canbo1',
    });
    expect(assigned.body).toMatchObject({ id, case: { assignee: 'canbo1' } });
    await waitFor(() => mails.find((m) => m.to.includes('canbo1@xa1.test')));
    expect((await list('canbo1')).items).toHaveLength(1);
    const s1 = await env.api(tokens.canbo1!, 'POST', `/api/followup/cases/${id}/steps`, {
      kind: 'contact',
      text: 'Đã gọi điện cho công dân theo số trên hồ sơ.',
    });
    const s2 = await env.api(tokens.canbo1!, 'POST', `/api/followup/cases/${id}/steps`, {
      kind: 'action',
      text: 'Hướng dẫn bổ sung giấy tờ, hẹn trả kết quả.',
    });
    expect(s2.body.case.steps.map((s: { kind: string }) => s.kind)).toEqual(['assign', 'contact', 'action']);
    expect(s1.status).toBe(200);
    expect(
      (await env.api(tokens.canbo2!, 'POST', `/api/followup/cases/${id}/steps`, { kind: 'action', text: 'x' })).status,
    ).toBe(403);
  });

  it('is flagged overdue after its deadline and counted; closing ends it', async () => {
    const q = '/api/followup/summary?commune=90001&from=2026-04-01&to=2026-04-30';
    clock.advance(vnMidnight('2026-05-21') - clock.now() - 60_000); // a minute before the deadline
    for (const u of ['canbo1', 'lanhdao1', 'huyen']) tokens[u] = await env.login(u); // sessions last hours, not weeks
    expect((await list('lanhdao1')).items[0].overdue).toBe(false);
    clock.advance(120_000);
    expect((await list('lanhdao1')).items[0].overdue).toBe(true);
    expect((await env.api(tokens.huyen!, 'GET', q)).body).toMatchObject({ opened: 1, open: 1, overdue: 1, closed: 0 });
    const id = (await list('lanhdao1')).items[0].id;
    const closed = await env.api(tokens.canbo1!, 'POST', `/api/followup/cases/${id}/close`, {
      closing: 'Công dân đã nhận kết quả và đồng ý.',
    });
    expect(closed.body.case).toMatchObject({ overdue: false, closing: 'Công dân đã nhận kết quả và đồng ý.' });
    expect((await env.api(tokens.huyen!, 'GET', q)).body).toMatchObject({ overdue: 0, closed: 1, closedLate: 1 });
    expect(
      (await env.api(tokens.canbo1!, 'POST', `/api/followup/cases/${id}/close`, { closing: 'lại' })).body.error.code,
    ).toBe('CASE_CLOSED');
  });

  it("opens an alert case when more than 30% of the last 2 hours' ratings at a counter are negative", async () => {
    const now = clock.now();
    const levels = ['hai-long', 'hai-long', 'rat-hai-long', 'khong-hai-long', 'khong-hai-long'] as const;
    const points = levels.map((l, i) => ratingPoint(l, now - 60 * 60_000 + i * 60_000));
    await db.influx.writePoints(points, { database: db.database });
    await env.console.followup.reconcile();
    const cases = (await list('lanhdao1')).items as { kind: string; counter: string }[];
    expect(cases.filter((c) => c.kind === 'alert')).toEqual([expect.objectContaining({ counter: 'xa1-quay1' })]);
    expect(cases.filter((c) => c.kind === 'rating')).toHaveLength(3);
    await env.console.followup.reconcile();
    expect((await list('lanhdao1')).items).toHaveLength(4); // one open alert per counter
  });

  it('feeds integrators the case events in order, without the officer', async () => {
    const { body } = await env.api(tokens.lanhdao1!, 'GET', '/api/followup/events?after=0');
    expect(body.items.map((e: { kind: string }) => e.kind).slice(0, 2)).toEqual(['opened', 'assigned']);
    expect(body.items.every((e: { case: Record<string, unknown> }) => e.case.officer === undefined)).toBe(true);
    const later = await env.api(tokens.lanhdao1!, 'GET', `/api/followup/events?after=${body.items[1].seq}`);
    expect(later.body.items[0].seq).toBe(body.items[2].seq);
    expect(body.items.every((e: { case: Record<string, unknown> }) => e.case.steps === undefined)).toBe(true);
    // staff and district readers get no feed: the cases are the leader's
    for (const u of ['canbo1', 'huyen'])
      expect((await env.api(tokens[u]!, 'GET', '/api/followup/events?after=0')).body.items).toEqual([]);
  });
  it('bad ids, periods, feed positions and bodies get a coded error, never a 500', async () => {
    const code = async (token: string | null, method: string, path: string, body?: unknown) => {
      const r = await env.api(token, method, path, body);
      return `${r.status} ${r.body?.error?.code}`;
    };
    const leader = tokens.lanhdao1!;
    const id = (await list('lanhdao1')).items.find((c: { closedAt: number | null }) => c.closedAt === null).id;
    const step = { kind: 'contact', text: 'Đã gọi.' };
    expect(await code(leader, 'GET', '/api/followup/cases')).toBe('400 INVALID_INPUT');
    expect(await code(leader, 'GET', '/api/followup/cases?commune=90001%27%20OR%201')).toBe('400 INVALID_INPUT');
    for (const bad of ['abc', '-1', '1e3', '9999999'])
      expect(await code(leader, 'POST', `/api/followup/cases/${bad}/steps`, step), bad).toBe('404 CASE_NOT_FOUND');
    for (const body of [
      { kind: 'close', text: 'x' },
      { kind: 'contact', text: '   ' },
      { ...step, by: 'lanhdao2' },
      null,
    ])
      expect(await code(leader, 'POST', `/api/followup/cases/${id}/steps`, body), JSON.stringify(body)).toBe(
        '400 INVALID_INPUT',
      );
    expect(await code(leader, 'POST', `/api/followup/cases/${id}/close`, { closing: 'x'.repeat(4001) })).toBe(
      '400 INVALID_INPUT',
    );
    expect(await code(leader, 'POST', `/api/followup/cases/${id}/assign`, { assignee: '' })).toBe(
      '400 ASSIGNEE_INVALID',
    );
    for (const after of ['-1', 'abc', '1.5'])
      expect(await code(leader, 'GET', `/api/followup/events?after=${after}`), after).toBe('400 INVALID_INPUT');
    for (const q of ['from=2026-04-31&to=2026-05-01', 'from=2026-04-01', 'from=2026-05-01&to=2026-04-01'])
      expect(await code(leader, 'GET', `/api/followup/summary?commune=90001&${q}`), q).toBe('400 PERIOD_INVALID');
    expect(await code(leader, 'PUT', '/api/followup/email', { email: 'khong-phai-email' })).toBe('400 INVALID_INPUT');
    expect(await code(null, 'POST', `/api/followup/cases/${id}/steps`, { kind: 'x' })).toBe('401 UNAUTHENTICATED');
    // nothing of the refused requests was recorded
    const after = (await list('lanhdao1')).items.find((c: { id: number }) => c.id === id);
    expect(after.steps.map((s: { text: string }) => s.text)).not.toContain('Đã gọi.');
  });

  it('labels each case and step in words; the feed leaves out what stays in the console', async () => {
    const c = (await list('lanhdao1')).items.find((x: { dossier: string | null }) => x.dossier === 'HS-42');
    expect(c).toMatchObject({ kindLabel: 'Đánh giá không hài lòng', counterName: expect.any(String) });
    expect(c.stateLabel).toMatch(/^Đã đóng \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    expect(c.dueText).toBe('20/05/2026 23:59');
    expect(c.steps.map((s: { kindLabel: string }) => s.kindLabel)).toEqual([
      'Giao',
      'Liên hệ công dân',
      'Xử lý',
      'Đóng',
    ]);
    const { body } = await env.api(tokens.lanhdao1!, 'GET', '/api/followup/events?after=0');
    for (const e of body.items) expect(Object.keys(e.case)).not.toEqual(expect.arrayContaining(['closing']));
  });
  it('checks its answers too: a case the schema cannot describe is a 500 INTERNAL, never a half answer', async () => {
    const service = env.console.followup;
    const real = service.view.bind(service);
    service.view = (row) => ({ ...real(row), overdue: 'no' as unknown as boolean });
    try {
      const r = await env.api(tokens.lanhdao1!, 'GET', '/api/followup/cases?commune=90001');
      expect([r.status, r.body.error.code]).toEqual([500, 'INTERNAL']);
      expect(JSON.stringify(r.body)).not.toContain('HS-42');
    } finally {
      service.view = real;
    }
    expect((await env.api(tokens.lanhdao1!, 'GET', '/api/followup/cases?commune=90001')).status).toBe(200);
  });
});
