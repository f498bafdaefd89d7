import { randomUUID } from 'node:crypto';
import type { IPoint } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../harness/influx.ts';
import { GOOD, upload, xlsx } from '../dossier/dossier-fixture.ts';
import { consoleEnv, type Env } from './helpers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { csvRows } from '../support/csv.ts';

/**
 * The review appendix downloaded from the console carries, per commune, the Decision 766 figure over the
 * imported dossiers (beside the SIPAS share) and the follow-up counts, with hand-computed answers:
 *  commune 90001, November 2026: dossiers received HS-1..6, HS-8 (7); late HS-2, HS-4 (never returned), HS-6;
 *  complaint or "Không hài lòng" HS-5, HS-6 (complaint) and HS-3 (a bound "Không hài lòng" rating) → 3;
 *  figure = 100 − (3/7 + 3/7) × 100 = 14.2857…; ratings: 2 × hài lòng, 2 × không hài lòng → SIPAS 50.
 *  Follow-up: the two "Không hài lòng" open two cases on 10/11 (deadline 15 working days later, 01/12);
 *  one is closed, the other is still open on 15/12 → opened 2, closed 1, overdue 1.
 *  commune 90002: no dossier, no case → 0 dossiers, no figure, 0 cases.
 */
const OPEN_AT = Date.parse('2026-11-10T10:00:00+07:00');
const REPORT_AT = Date.parse('2026-12-15T10:00:00+07:00');
const vn = (d: string) => Date.parse(`${d}:00+07:00`);
const FIGURE = 100 - (300 / 7 + 300 / 7);

describe("the console's review appendix: Decision 766 figure and follow-up counts", () => {
  let env: Env;
  let province = '';
  const db = testDatabase('appx766');
  const clock = new FakeClock(OPEN_AT);
  const tokens: Record<string, string> = {};
  const rating = (level: string, at: string, dossier?: string): IPoint => ({
    measurement: 'rating',
    tags: {
      province,
      commune: '90001',
      counter: 'xa1-quay1',
      device: 'xa1-quay1-box',
      kind: 'rating-box',
      level,
      time_quality: 'synced',
    },
    fields: { value: level === 'khong-hai-long' ? 1 : 3, id: randomUUID(), ...(dossier ? { dossier } : {}) },
    timestamp: new Date(vn(at)),
  });
  const report = async (format: string) => {
    tokens.huyen = await env.login('huyen');
    return env.api(
      tokens.huyen,
      'GET',
      `/api/satisfaction/report?area=${province}&from=2026-11-01&to=2026-11-30&format=${format}`,
    );
  };

  beforeAll(async () => {
    env = await consoleEnv({ influx: { url: db.url, database: db.database }, followup: { pollMs: 3_600_000 } }, clock);
    province = env.registry.communes.get('90001')!.province.code;
    await db.influx.createDatabase(db.database);
    await db.influx.writePoints(
      [
        rating('hai-long', '2026-11-05T09:00'),
        rating('hai-long', '2026-11-06T09:00'),
        rating('khong-hai-long', '2026-11-07T09:00', 'HS-3'),
        rating('khong-hai-long', '2026-11-08T09:00'),
      ],
      { database: db.database },
    );
    for (const u of ['canbo1', 'lanhdao1']) tokens[u] = await env.login(u);
    expect((await upload(env, tokens.canbo1!, await xlsx(GOOD), 'ho-so-thang-11.xlsx')).status).toBe(200);
    await env.console.followup.reconcile(); // opens the two cases on 10/11
    const cases = (await env.api(tokens.lanhdao1!, 'GET', '/api/followup/cases?commune=90001')).body.items as {
      id: number;
      dossier: string | null;
    }[];
    expect(cases).toHaveLength(2);
    const unbound = cases.find((c) => c.dossier === null)!;
    expect(
      (
        await env.api(tokens.lanhdao1!, 'POST', `/api/followup/cases/${unbound.id}/close`, {
          closing: 'Đã liên hệ, công dân đồng ý.',
        })
      ).status,
    ).toBe(200);
    clock.advance(Date.parse('2026-11-20T10:00:00+07:00') - clock.now());
  });

  afterAll(async () => {
    await db.influx.dropDatabase(db.database).catch(() => undefined);
  });

  it('a case not yet due is not counted overdue', async () => {
    const [header, ...rows] = csvRows((await report('csv')).body as string);
    const a = rows.find((x) => x[header.indexOf('Mã xã')] === '90001')!;
    expect(a[header.indexOf('Hồ sơ theo dõi mở trong kỳ')]).toBe('2');
    expect(a[header.indexOf('Hồ sơ theo dõi quá hạn chưa xử lý')]).toBe('0');
    clock.advance(REPORT_AT - clock.now()); // past the open case's deadline (01/12) for the tests below
  });

  it('the CSV carries the 766 figure with its dossier count and definition, beside the SIPAS share, and the follow-up counts', async () => {
    const r = await report('csv');
    expect(r.status).toBe(200);
    const [header, ...rows] = csvRows(r.body as string);
    const col = (name: string) => {
      const i = header.findIndex((h) => h === name || h.startsWith(`${name} – `));
      expect(i, name).toBeGreaterThan(0);
      return i;
    };
    expect(header[col('Chỉ số QĐ 766 (%)')]).toContain('766/QĐ-TTg = 100% − (% hồ sơ trả kết quả trễ hạn');
    const byCode = Object.fromEntries(rows.map((x) => [x[col('Mã xã')], x]));
    const a = byCode['90001']!;
    const cells = (x: string[]) =>
      [
        'Hồ sơ tiếp nhận trong kỳ (QĐ 766)',
        'Hồ sơ trả kết quả trễ hạn',
        'Hồ sơ có phản ánh, kiến nghị hoặc "Không hài lòng"',
        'Chỉ số QĐ 766 (%)',
        'Hồ sơ theo dõi mở trong kỳ',
        'Hồ sơ theo dõi đã đóng',
        'Hồ sơ theo dõi quá hạn chưa xử lý',
      ].map((n) => x[col(n)]);
    expect(cells(a)).toEqual(['7', '3', '3', String(Number(FIGURE.toFixed(2))), '2', '1', '1']);
    expect(a[col('Chỉ số hài lòng (%)')]).toBe('50');
    expect(cells(byCode['90002']!)).toEqual(['0', '0', '0', '', '0', '0', '0']);
  });

  it('the printable HTML shows the figure, its definition and the overdue count', async () => {
    const r = await report('html');
    expect(r.status).toBe(200);
    const html = r.body as string;
    expect(html).toContain('<h2>IV. Chỉ số phục vụ theo Quyết định 766/QĐ-TTg và hồ sơ theo dõi</h2>');
    expect(html).toContain('Chỉ số theo Quyết định 766/QĐ-TTg = 100% − (% hồ sơ trả kết quả trễ hạn');
    const row = /<tr class="overdue"><td>90001<\/td>(.*?)<\/tr>/.exec(html)?.[1];
    expect(row).toBeDefined();
    const nums = [...row!.matchAll(/<td class="num">(.*?)<\/td>/g)].map((m) => m[1]);
    // dossiers, late, complained/unsatisfied, 766 figure, SIPAS, opened, closed, overdue
    expect(nums).toEqual(['7', '3', '3', '14,3', '50,0', '2', '1', '<b>1</b>']);
    expect(html).toContain('Tổng số hồ sơ theo dõi quá hạn chưa xử lý: <b>1</b>.');
    expect(html).not.toContain('Chưa có dữ liệu');
  });
});
