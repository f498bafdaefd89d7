import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../report/main.ts';
import { ReportError } from '../../console/report/errors.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { createDb, influxWrite } from '../dashboards/influx-http.ts';
import Database from 'better-sqlite3';
import { parseDossierFile } from '../../console/dossiers/import.ts';
import { DossierStore } from '../../console/dossiers/store.ts';
import { FollowupStore } from '../../console/followup/store.ts';
import { GOOD, xlsx } from '../dossier/dossier-fixture.ts';
import { reportLines, writeRegistry } from './fixture.ts';
import { csvRows } from '../support/csv.ts';

const { url, database } = testDatabase('rep');
const dir = tempDir('tt-report-');
let registry = '';
const NOW = () => Date.parse('2025-04-01T00:00:00Z');
const args = (over: Record<string, string> = {}) =>
  Object.entries({
    from: '2025-03-01',
    to: '2025-03-07',
    area: '99',
    registry,
    influx: url,
    db: database,
    out: join(dir, 'out'),
    ...over,
  }).flatMap(([k, v]) => [`--${k}`, v]);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return err instanceof ReportError ? err.code : String(err);
  }
}

describe('review report (phụ lục sơ kết)', () => {
  beforeAll(async () => {
    registry = await writeRegistry(dir);
    await createDb(url, database);
    await influxWrite(url, database, reportLines());
  });

  it('writes the per-commune CSV with the known answers', async () => {
    const out = join(dir, 'p');
    const files = await run(args({ out }), NOW);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['phu-luc-xa.csv', 'tong-hop.csv', 'bao-cao.html']);
    const text = readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = csvRows(text);
    const col = (name: string) => header.indexOf(name);
    expect(col('Tên xã')).toBeGreaterThan(0);
    const byCode = Object.fromEntries(rows.map((r) => [r[col('Mã xã')], r]));
    // ranking by shrunk index: p0 = 9/18, so 90002 = (3+25)/54, 90001 = (6+25)/64
    expect(rows.map((r) => r[col('Mã xã')])).toEqual(['90002', '90001', '90003']);
    const a = byCode['90001'];
    expect([a[col('Hạng')], a[col('Tên xã')], a[col('Huyện')]]).toEqual(['2', 'Xã Tân Hội', 'Huyện Mẫu']);
    expect([
      a[col('Số thôn/ấp')],
      a[col('Thôn/ấp có loa hoạt động')],
      a[col('Loa đã lắp')],
      a[col('Loa hoạt động')],
      a[col('Loa thông minh')],
    ]).toEqual(['2', '1', '2', '1', 'Chưa đầy đủ']);
    expect([a[col('Thiết bị đánh giá hoạt động')], a[col('Thiết bị đánh giá')]]).toEqual(['1', 'Chưa đầy đủ']);
    expect([a[col('Camera hoạt động')], a[col('Camera')]]).toEqual(['1', 'Chưa đầy đủ']); // 80 % counts as working, 75 % not
    expect([a[col('Tổng lượt đánh giá')], a[col('Chỉ số hài lòng (%)')], a[col('Chỉ số hiệu chỉnh (%)')]]).toEqual([
      '14',
      '42.86',
      '48.44',
    ]);
    expect([a[col('Lượt "Rất hài lòng"')], a[col('Lượt "Không hài lòng"')]]).toEqual(['3', '6']);
    expect([a[col('Lượt phát thanh theo kế hoạch')], a[col('Lượt phát thanh đã phát')]]).toEqual(['5', '3']);
    const b = byCode['90002'];
    expect([
      b[col('Hạng')],
      b[col('Tổng hợp')],
      b[col('Tổng lượt đánh giá')],
      b[col('Chỉ số hài lòng (%)')],
      b[col('Chỉ số hiệu chỉnh (%)')],
    ]).toEqual(['1', 'Đầy đủ', '4', '75', '51.85']);
    const c = byCode['90003'];
    expect([c[col('Hạng')], c[col('Tổng hợp')], c[col('Tổng lượt đánh giá')], c[col('Chỉ số hài lòng (%)')]]).toEqual([
      '',
      'Chưa triển khai',
      '0',
      '',
    ]);
  });

  it('writes the totals the plan asks for, naming the communes', async () => {
    const out = join(dir, 't');
    await run(args({ out }), NOW);
    const [, ...rows] = csvRows(readFileSync(join(out, 'tong-hop.csv'), 'utf8'));
    const speakers = rows.filter((r) => r[0].startsWith('Hệ thống truyền thanh'));
    expect(speakers.map((r) => r.slice(1))).toEqual([
      ['Đầy đủ', '1', 'Xã Bình Thạnh'],
      ['Chưa đầy đủ', '1', 'Xã Tân Hội'],
      ['Chưa triển khai', '1', 'Phường An Lộc'],
    ]);
    expect(rows).toHaveLength(12);
    const html = readFileSync(join(out, 'bao-cao.html'), 'utf8');
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('@media print');
    expect(html).toContain('từ ngày 01/03/2025 đến ngày 07/03/2025');
    expect(html).toContain('Số lượng cấp xã triển khai đầy đủ: <b>1</b> (Xã Bình Thạnh)');
    expect(html).toContain('Số lượng cấp xã triển khai nhưng chưa đầy đủ: <b>1</b> (Xã Tân Hội)');
    expect(html).toContain('Số lượng cấp xã chưa triển khai: <b>1</b> (Phường An Lộc)');
    expect(html).toContain('<td class="num">51,9</td>'); // Vietnamese decimal comma in the printable document
  });

  it('without the console\'s database, says "Chưa có dữ liệu" for the Decision 766 figure and the follow-up counts', async () => {
    const out = join(dir, 's');
    await run(args({ out }), NOW);
    const [header, ...rows] = csvRows(readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8'));
    const d766 = header.findIndex((h) => h.startsWith('Chỉ số QĐ 766 (%) – Chỉ số theo Quyết định 766/QĐ-TTg = 100%'));
    const overdue = header.indexOf('Hồ sơ theo dõi quá hạn chưa xử lý');
    expect(d766).toBeGreaterThan(header.indexOf('Chỉ số hài lòng (%)')); // beside the SIPAS share
    expect(overdue).toBeGreaterThan(d766);
    for (const r of rows) {
      expect([r[header.indexOf('Hồ sơ tiếp nhận trong kỳ (QĐ 766)')], r[d766], r[overdue]]).toEqual([
        'Chưa có dữ liệu',
        'Chưa có dữ liệu',
        'Chưa có dữ liệu',
      ]);
    }
    expect(rows.find((r) => r[1] === '90001')![header.indexOf('Chỉ số hài lòng (%)')]).toBe('42.86'); // the SIPAS share is still there
    const html = readFileSync(join(out, 'bao-cao.html'), 'utf8');
    expect(html).toContain('<h2>IV. Chỉ số phục vụ theo Quyết định 766/QĐ-TTg và hồ sơ theo dõi</h2>');
    expect(html).toContain(
      '<tr><td>90001</td><td>Xã Tân Hội</td><td colspan="4">Chưa có dữ liệu</td><td class="num">42,9</td><td colspan="3">Chưa có dữ liệu</td></tr>',
    );
    expect(html).toContain('Tổng số hồ sơ theo dõi quá hạn chưa xử lý: <b>Chưa có dữ liệu</b>');
    expect(html).toContain('Chỉ số theo Quyết định 766/QĐ-TTg = 100% − (% hồ sơ trả kết quả trễ hạn');
  });

  it("with --console-db, reads the dossiers and cases from the console's database (read-only)", async () => {
    // the console's database: November 2026's dossier list of 90001 and one case opened 10/11, due 01/12, still open
    const file = join(dir, 'console.db');
    const db = new Database(file);
    const { rows, errors } = await parseDossierFile(await xlsx(GOOD), 'ho-so.xlsx');
    expect(errors).toEqual([]);
    new DossierStore(db).importRows('90001', rows, {
      filename: 'ho-so.xlsx',
      username: 'canbo1',
      at: '2026-12-01T00:00:00Z',
    });
    const openedAt = Date.parse('2026-11-10T10:00:00+07:00');
    new FollowupStore(db).open({
      commune: '90001',
      kind: 'rating',
      source: 'rating:r-hs3',
      counter: null,
      device: null,
      dossier: 'HS-3',
      officer: null,
      ratedAt: openedAt,
      openedAt,
      dueAt: Date.parse('2026-12-01T00:00:00+07:00'),
      deadlineError: null,
    });
    db.close();
    // HS-3 rated "Không hài lòng" (InfluxDB)
    await influxWrite(url, database, [
      `rating,province=99,commune=90001,counter=q,device=b,kind=rating-box,level=khong-hai-long value=1i,id="r-hs3",dossier="HS-3" ${Date.parse('2026-11-07T09:00:00+07:00')}`,
    ]);
    const out = join(dir, 'cdb');
    await run(args({ out, from: '2026-11-01', to: '2026-11-30', area: '90001', 'console-db': file }), () =>
      Date.parse('2026-12-15T03:00:00Z'),
    );
    const [header, ...rs] = csvRows(readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8'));
    const at = (name: string) => rs[0]![header.findIndex((h) => h === name || h.startsWith(`${name} – `))];
    // 7 dossiers received; late HS-2, HS-4, HS-6; complaint or unsatisfied HS-3, HS-5, HS-6: 100 − (3/7 + 3/7) × 100
    expect(
      [
        'Hồ sơ tiếp nhận trong kỳ (QĐ 766)',
        'Hồ sơ trả kết quả trễ hạn',
        'Hồ sơ có phản ánh, kiến nghị hoặc "Không hài lòng"',
        'Chỉ số QĐ 766 (%)',
      ].map(at),
    ).toEqual(['7', '3', '3', '14.29']);
    expect(
      ['Hồ sơ theo dõi mở trong kỳ', 'Hồ sơ theo dõi đã đóng', 'Hồ sơ theo dõi quá hạn chưa xử lý'].map(at),
    ).toEqual(['1', '0', '1']);
    expect(readFileSync(join(out, 'bao-cao.html'), 'utf8')).toContain(
      'Tổng số hồ sơ theo dõi quá hạn chưa xử lý: <b>1</b>.',
    );
    expect(await codeOf(run(args({ out, 'console-db': join(dir, 'khong-co.db') }), NOW))).toBe('CONSOLE_DB');
  });

  it('restricts the area to a district or one commune', async () => {
    const out = join(dir, 'd');
    await run(args({ out, area: '999' }), NOW);
    const [, ...rows] = csvRows(readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8'));
    expect(rows.map((r) => r[1])).toEqual(['90002', '90001']);
    await run(args({ out, area: '90003' }), NOW);
    const [, ...one] = csvRows(readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8'));
    expect(one.map((r) => r[1])).toEqual(['90003']);
  });

  it('evaluates uptime only up to now when the period is not over', async () => {
    const out = join(dir, 'n');
    // on 2025-03-01 12:00 ICT, hamlet 2's speaker has been online all along (it drops on 2 March)
    await run(args({ out }), () => Date.parse('2025-03-01T05:00:00Z'));
    const [header, ...rows] = csvRows(readFileSync(join(out, 'phu-luc-xa.csv'), 'utf8'));
    const a = rows.find((r) => r[1] === '90001')!;
    expect(a[header.indexOf('Loa thông minh')]).toBe('Đầy đủ');
  });

  it('refuses bad dates, reversed periods and unknown areas with coded errors', async () => {
    expect(await codeOf(run(args({ from: '2025-02-30' }), NOW))).toBe('BAD_DATE');
    expect(await codeOf(run(args({ to: '31/12/2025' }), NOW))).toBe('BAD_DATE');
    expect(await codeOf(run(args({ from: '2025-03-08', to: '2025-03-01' }), NOW))).toBe('BAD_PERIOD');
    expect(await codeOf(run(args({ area: '12345' }), NOW))).toBe('UNKNOWN_AREA');
    expect(await codeOf(run(['--from', '2025-01-01'], NOW))).toBe('BAD_ARGS');
    expect(await codeOf(run(args({ registry: join(dir, 'missing.yaml') }), NOW))).toBe('REGISTRY');
  });

  it('the command prints a Vietnamese error and exits non-zero', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'report/main.ts', ...args({ area: '77' })], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[UNKNOWN_AREA]');
    expect(r.stderr).toContain('Không tìm thấy đơn vị hành chính có mã "77"');
  });
});
