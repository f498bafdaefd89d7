import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../harness/influx.ts';
import { consoleEnv, type Env } from '../console/helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { ratingPoint } from '../support/rating-point.ts';
import { GOOD, upload, xlsx } from './dossier-fixture.ts';

const NOW = Date.parse('2026-12-15T03:00:00Z');
const vn = (d: string) => Date.parse(`${d}:00+07:00`);

describe('Decision 766 figure from an imported dossier list', () => {
  let env: Env;
  const db = testDatabase('d766');
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    env = await consoleEnv({ influx: { url: db.url, database: db.database } }, new FakeClock(NOW));
    await db.influx.createDatabase(db.database);
    // ratings of November at the counter of commune 90001: 2 × rất hài lòng, 3 × hài lòng, 1 bình thường, 2 không hài lòng
    const levels = [
      ['rat-hai-long', 'CB01'],
      ['rat-hai-long', 'CB01'],
      ['hai-long', 'CB01'],
      ['khong-hai-long', 'CB01', 'HS-3'],
      ['hai-long', 'CB02'],
      ['hai-long', 'CB02'],
      ['binh-thuong', 'CB02'],
      ['khong-hai-long', null],
    ] as const;
    const points = levels.map(([level, officer, dossier], i) =>
      ratingPoint(level, vn(`2026-11-${String(5 + i).padStart(2, '0')}T09:00`), {
        ...(officer ? { officer } : {}),
        ...(dossier ? { dossier } : {}),
      }),
    );
    // another commune's rating: never counted for 90001
    points.push({
      measurement: 'rating',
      tags: { commune: '90002', level: 'khong-hai-long', officer: 'CB01' },
      fields: { value: 1, id: randomUUID(), dossier: 'HS-5' },
      timestamp: new Date(vn('2026-11-20T09:00')),
    });
    await db.influx.writePoints(points, { database: db.database });
    for (const u of ['canbo1', 'lanhdao1', 'canbo2', 'lanhdao2', 'huyen', 'quantri']) tokens[u] = await env.login(u);
  });

  afterAll(async () => {
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  it('refuses a file with bad rows, listing row and column, and imports nothing', async () => {
    const bad = await xlsx([
      ...GOOD,
      ['HS-9', '1.001612', '31/02/2026 08:00', '05/03/2026', '', 'Không'], // no 31 February
      ['HS-10', '1.001612', '02/11/2026', '05/11/2026', '04/11/2026', 'có lẽ'], // not yes/no
      ['', '1.001612', '02/11/2026', '05/11/2026', '04/11/2026', 'Không'], // no number
      ['HS-1', '1.001612', '02/11/2026', '05/11/2026', '01/11/2026', 'Không'], // duplicate, returned before received
    ]);
    const r = await upload(env, tokens.canbo1!, bad, 'ho-so.xlsx');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('IMPORT_INVALID');
    expect(r.body.error.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 10, column: 'C' }),
        expect.objectContaining({ row: 11, column: 'F' }),
        expect.objectContaining({ row: 12, column: 'A' }),
        expect.objectContaining({ row: 13, column: 'A', message: expect.stringContaining('dòng 2') }),
        expect.objectContaining({ row: 13, column: 'E' }),
      ]),
    );
    expect(r.body.error.count).toBe(5);
    const fig = await env.api(
      tokens.canbo1!,
      'GET',
      '/api/dossiers/figures?commune=90001&from=2026-11-01&to=2026-11-30',
    );
    expect(fig.body.decision766.dossiers).toBe(0); // nothing half-imported
    const missing = await upload(
      env,
      tokens.canbo1!,
      Buffer.from('Số hồ sơ,Ngày tiếp nhận\nHS-1,02/11/2026\n'),
      'x.csv',
    );
    expect(missing.body.error.rows[0].message).toContain('Hạn trả');
  });

  it('imports a good .xlsx and computes the figure equal to the hand-computed one, beside the SIPAS share', async () => {
    const r = await upload(env, tokens.canbo1!, await xlsx(GOOD), 'ho-so-thang-11.xlsx');
    expect(r.status).toBe(200);
    expect(r.body.imported).toBe(8);
    const fig = await env.api(
      tokens.lanhdao1!,
      'GET',
      '/api/dossiers/figures?commune=90001&from=2026-11-01&to=2026-11-30',
    );
    expect(fig.status).toBe(200);
    const d = fig.body.decision766;
    expect([d.dossiers, d.late, d.complainedOrUnsatisfied]).toEqual([7, 3, 3]);
    expect(d.figure).toBeCloseTo(100 - (300 / 7 + 300 / 7), 9); // 14.2857…
    expect(d.definition).toContain('766');
    expect(fig.body.sipas).toMatchObject({ n: 8, satisfied: 5, index: 62.5 });
    expect(fig.body.sipas.definition).toContain('SIPAS');
  });

  it('reads a CSV export too (dd/mm/yyyy dates, semicolons), a later export updating a dossier', async () => {
    const csv =
      'Số hồ sơ;Mã thủ tục;Ngày tiếp nhận;Hạn trả;Ngày trả;Khiếu nại\nHS-8;1.001612;28/11/2026 09:00;03/12/2026 17:00;01/12/2026 10:00;Có\n';
    const r = await upload(env, tokens.canbo1!, Buffer.from(csv), 'ho-so.csv');
    expect(r.status).toBe(200);
    const fig = await env.api(
      tokens.canbo1!,
      'GET',
      '/api/dossiers/figures?commune=90001&from=2026-11-01&to=2026-11-30',
    );
    expect(fig.body.decision766.complainedOrUnsatisfied).toBe(4);
    expect(fig.body.decision766.figure).toBeCloseTo(100 - (300 / 7 + 400 / 7), 9);
  });

  it('keeps communes apart: no import into or figures of another commune; district reads', async () => {
    expect(
      (await env.api(tokens.canbo2!, 'GET', '/api/dossiers/figures?commune=90001&from=2026-11-01&to=2026-11-30')).body
        .error.code,
    ).toBe('FORBIDDEN_COMMUNE');
    expect(
      (await env.api(tokens.huyen!, 'GET', '/api/dossiers/figures?commune=90001&from=2026-11-01&to=2026-11-30')).status,
    ).toBe(200);
    expect((await upload(env, tokens.huyen!, await xlsx(GOOD), 'x.xlsx')).status).toBe(403);
    const r2 = await upload(env, tokens.canbo2!, await xlsx(GOOD.slice(0, 1)), 'x.xlsx');
    expect(r2.body.total).toBe(1); // its own commune's list
    expect(
      (await env.api(tokens.canbo1!, 'GET', '/api/dossiers/figures?commune=90001&from=2026-11-30&to=2026-11-01')).body
        .error.code,
    ).toBe('PERIOD_INVALID');
  });

  it('the service report (CSV) carries the figure per readable commune, with the definitions', async () => {
    const r = await env.api(tokens.huyen!, 'GET', '/api/reports/service.csv?from=2026-11-01&to=2026-11-30');
    expect(r.status).toBe(200);
    const lines = (r.body as string).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toContain('Chỉ số QĐ 766 (%)');
    const row = lines.find((l) => l.startsWith('90001,'))!.split(',');
    expect(row.slice(2, 8)).toEqual(['7', '3', '4', String(Number((100 - 700 / 7).toFixed(2))), '8', '62.5']);
    expect(lines.some((l) => l.includes('766/QĐ-TTg'))).toBe(true);
    expect(lines.find((l) => l.startsWith('90002,'))).toBeDefined();
  });

  it('per-officer figures: visible to the commune leader only', async () => {
    await env.api(tokens.canbo1!, 'PUT', '/api/officers/CB01', { name: 'Nguyễn Thị Lan' });
    const q = '/api/officers/figures?commune=90001&from=2026-11-01&to=2026-11-30';
    const r = await env.api(tokens.lanhdao1!, 'GET', q);
    expect(r.status).toBe(200);
    const by = Object.fromEntries(
      r.body.items.map((o: { code: string | null; n: number; satisfied: number; name: string }) => [
        o.code ?? '-',
        [o.n, o.satisfied, o.name],
      ]),
    );
    expect(by).toEqual({ CB01: [4, 3, 'Nguyễn Thị Lan'], CB02: [3, 2, null], '-': [1, 0, 'Không rõ cán bộ trực'] });
    for (const u of ['canbo1', 'lanhdao2', 'canbo2', 'huyen', 'quantri']) {
      const denied = await env.api(tokens[u]!, 'GET', q);
      expect(denied.status, u).toBe(403);
    }
    expect(
      (await env.api(tokens.lanhdao2!, 'GET', '/api/officers/figures?commune=90002&from=2026-11-01&to=2026-11-30'))
        .status,
    ).toBe(200);
  });
  it('bad dates, periods, officer codes and names get a coded error, never a 500', async () => {
    const code = async (token: string | null, method: string, path: string, body?: unknown) => {
      const r = await env.api(token, method, path, body);
      return `${r.status} ${r.body?.error?.code}`;
    };
    const c = tokens.canbo1!;
    for (const q of [
      'from=2026-02-30&to=2026-03-01',
      'from=x&to=2026-03-01',
      'to=2026-03-01',
      'from=2026-11-30&to=2026-11-01',
    ])
      expect(await code(c, 'GET', `/api/dossiers/figures?commune=90001&${q}`), q).toBe('400 PERIOD_INVALID');
    expect(await code(c, 'GET', '/api/dossiers/figures?from=2026-11-01&to=2026-11-30')).toBe('400 INVALID_INPUT');
    expect(await code(tokens.huyen!, 'GET', '/api/reports/service.csv?from=2026-13-01&to=2026-11-30')).toBe(
      '400 PERIOD_INVALID',
    );
    expect(await code(tokens.huyen!, 'GET', '/api/reports/service.csv')).toBe('400 PERIOD_INVALID');
    expect(await code(tokens.lanhdao1!, 'GET', '/api/officers/figures?commune=90001&from=2026-1-1&to=2026-11-30')).toBe(
      '400 PERIOD_INVALID',
    );
    expect(await code(c, 'PUT', '/api/officers/CB%2001', { name: 'Lan' })).toBe('400 OFFICER_INVALID');
    expect(await code(c, 'PUT', '/api/officers/CB01', { name: '  ' })).toBe('400 OFFICER_INVALID');
    expect(await code(c, 'PUT', '/api/officers/CB01', { name: 'Lan', role: 'admin' })).toBe('400 OFFICER_INVALID');
    expect(await code(c, 'PUT', '/api/officers/CB01', 'Lan')).toBe('400 OFFICER_INVALID');
    // an anonymous caller learns nothing about what the route accepts
    expect(await code(null, 'GET', '/api/dossiers/figures?commune=90001&from=x&to=y')).toBe('401 UNAUTHENTICATED');
  });
});
