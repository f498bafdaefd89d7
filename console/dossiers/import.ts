import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { DossierNumber, ProcedureCode } from '../../devices/contract/dossier.ts';
import { VN_OFFSET_MS } from '../../devices/time/vietnam.ts';

/**
 * Reads the dossier list exported by the province's one-stop software (Excel .xlsx or CSV), one dossier per
 * row after a header row: dossier number, procedure, received, due, returned, complaint (yes/no). Headers
 * are matched in Vietnamese or English, with or without diacritics, in any order. Every bad cell is
 * reported with its row and column (as the spreadsheet numbers them); the caller stores nothing unless
 * there is no error at all.
 */
export type ImportedDossier = {
  number: string;
  procedure: string | null;
  receivedAt: number;
  dueAt: number | null;
  returnedAt: number | null;
  complaint: boolean;
};
export type CellError = { row: number; column: string; message: string };
export type ImportResult = { rows: ImportedDossier[]; errors: CellError[] };

export const MAX_IMPORT_ROWS = 50_000;

const COLUMNS = {
  number: ['so ho so', 'ma ho so', 'dossier', 'dossier number'],
  procedure: ['ma thu tuc', 'thu tuc', 'procedure', 'procedure code'],
  received: ['ngay tiep nhan', 'tiep nhan', 'received'],
  due: ['han tra', 'han tra ket qua', 'ngay hen tra', 'due'],
  returned: ['ngay tra', 'ngay tra ket qua', 'returned'],
  complaint: ['khieu nai', 'phan anh', 'phan anh kien nghi', 'complaint'],
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['number', 'received', 'due', 'returned', 'complaint'];
const LABELS: Record<Column, string> = {
  number: 'Số hồ sơ',
  procedure: 'Mã thủ tục',
  received: 'Ngày tiếp nhận',
  due: 'Hạn trả',
  returned: 'Ngày trả',
  complaint: 'Khiếu nại',
};

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

function columnLetter(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    return '';
  }
  return String(v).trim();
}

/** A date in Vietnam time: an Excel date cell (its clock fields are the local time), dd/mm/yyyy [HH:mm[:ss]] or yyyy-mm-dd[ HH:mm]. */
export function parseVietnamDate(v: ExcelJS.CellValue): number | null | 'invalid' {
  if (v === null || v === undefined || v === '') return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'invalid' : v.getTime() - VN_OFFSET_MS;
  if (typeof v === 'object' && 'result' in v) return parseVietnamDate(v.result as ExcelJS.CellValue);
  const s = cellText(v);
  if (s === '') return null;
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
    if (!m) return 'invalid';
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  const [h, mi, se] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    se > 59
  )
    return 'invalid';
  if (y < 2000 || y > 2100) return 'invalid';
  return ms - VN_OFFSET_MS;
}

function parseYesNo(v: ExcelJS.CellValue): boolean | 'invalid' {
  const s = fold(cellText(v));
  if (['', 'khong', 'no', 'n', '0', 'false'].includes(s)) return false;
  if (['co', 'yes', 'y', '1', 'x', 'true'].includes(s)) return true;
  return 'invalid';
}

export async function readWorksheet(bytes: Buffer, filename: string): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  const isCsv = /\.csv$/i.test(filename) || (bytes[0] !== 0x50 && bytes[1] !== 0x4b); // xlsx is a zip: "PK"
  if (isCsv) {
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    // dates stay text: the CSV reader's own date guessing is month-first
    return wb.csv.read(Readable.from([text]), {
      parserOptions: { delimiter: text.split('\n')[0]!.includes(';') ? ';' : ',' },
      map: (v: string) => v,
    } as never);
  }
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  if (!ws) throw new Error('no worksheet');
  return ws;
}

export async function parseDossierFile(bytes: Buffer, filename: string): Promise<ImportResult> {
  let ws: ExcelJS.Worksheet;
  try {
    ws = await readWorksheet(bytes, filename);
  } catch {
    return {
      rows: [],
      errors: [{ row: 0, column: '', message: 'Không đọc được tệp: cần tệp Excel (.xlsx) hoặc CSV.' }],
    };
  }
  const errors: CellError[] = [];
  const header = ws.getRow(1);
  const at = new Map<Column, number>();
  header.eachCell((cell, col) => {
    const name = fold(cellText(cell.value));
    for (const [key, names] of Object.entries(COLUMNS) as [Column, readonly string[]][])
      if (names.includes(name) && !at.has(key)) at.set(key, col);
  });
  for (const c of REQUIRED) if (!at.has(c)) errors.push({ row: 1, column: '', message: `Thiếu cột "${LABELS[c]}".` });
  if (errors.length) return { rows: [], errors };
  if (ws.rowCount - 1 > MAX_IMPORT_ROWS)
    return { rows: [], errors: [{ row: 0, column: '', message: `Tệp có quá ${MAX_IMPORT_ROWS} dòng.` }] };

  const rows: ImportedDossier[] = [];
  const seen = new Map<string, number>();
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const get = (c: Column) => (at.has(c) ? row.getCell(at.get(c)!).value : null);
    const err = (c: Column, message: string) =>
      errors.push({ row: r, column: at.has(c) ? columnLetter(at.get(c)!) : '', message: `${LABELS[c]}: ${message}` });
    if ((Object.keys(COLUMNS) as Column[]).every((c) => cellText(get(c)) === '')) continue; // blank line
    const before = errors.length;
    const number = cellText(get('number'));
    if (!DossierNumber.safeParse(number).success)
      err('number', number ? 'số hồ sơ không hợp lệ.' : 'không được để trống.');
    else if (seen.has(number)) err('number', `trùng với dòng ${seen.get(number)}.`);
    const procedure = cellText(get('procedure')) || null;
    if (procedure && !ProcedureCode.safeParse(procedure).success) err('procedure', 'mã thủ tục không hợp lệ.');
    const received = parseVietnamDate(get('received'));
    const due = parseVietnamDate(get('due'));
    const returned = parseVietnamDate(get('returned'));
    if (received === null) err('received', 'không được để trống.');
    for (const [c, v] of [
      ['received', received],
      ['due', due],
      ['returned', returned],
    ] as const) {
      if (v === 'invalid') err(c, 'ngày không hợp lệ (dd/mm/yyyy hoặc dd/mm/yyyy HH:mm).');
    }
    if (typeof received === 'number' && typeof returned === 'number' && returned < received)
      err('returned', 'trước ngày tiếp nhận.');
    if (typeof received === 'number' && typeof due === 'number' && due < received) err('due', 'trước ngày tiếp nhận.');
    const complaint = parseYesNo(get('complaint'));
    if (complaint === 'invalid') err('complaint', 'chỉ nhận "Có" hoặc "Không".');
    if (errors.length > before) continue;
    seen.set(number, r);
    rows.push({
      number,
      procedure,
      receivedAt: received as number,
      dueAt: due as number | null,
      returnedAt: returned as number | null,
      complaint: complaint as boolean,
    });
  }
  return { rows, errors };
}
