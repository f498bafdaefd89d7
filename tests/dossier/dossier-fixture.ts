import ExcelJS from 'exceljs';
import type { Env } from '../console/helpers.ts';

/** A one-stop export of commune 90001 with hand-known answers (decision766.test.ts, the console's appendix). */
export const HEADER = ['Số hồ sơ', 'Mã thủ tục', 'Ngày tiếp nhận', 'Hạn trả', 'Ngày trả', 'Khiếu nại'];
/** in the period 01/11–30/11: HS-1..6 and HS-8 (7 dossiers); late HS-2, HS-4, HS-6; complaint or unsatisfied HS-3, HS-5, HS-6 */
export const GOOD: (string | Date | null)[][] = [
  // an Excel date cell: its clock fields are the Vietnam local time
  ['HS-1', '1.001612', new Date(Date.UTC(2026, 10, 2, 8, 0)), '05/11/2026 17:00', '04/11/2026 10:00', 'Không'],
  ['HS-2', '1.001612', '03/11/2026 08:00', '06/11/2026 17:00', '09/11/2026 09:00', 'Không'],
  ['HS-3', '2.000889', '03/11/2026 09:00', '10/11/2026 17:00', '08/11/2026 09:00', ''], // rated "Không hài lòng"
  ['HS-4', '2.000889', '10/11/2026 09:00', '12/11/2026 17:00', null, 'Không'], // never returned, overdue
  ['HS-5', '1.001612', '15/11/2026 09:00', '20/11/2026 17:00', '19/11/2026 09:00', 'Có'],
  ['HS-6', '1.001612', '20/11/2026 09:00', '25/11/2026 17:00', '26/11/2026 09:00', 'Có'], // late and complained
  ['HS-7', '1.001612', '25/10/2026 09:00', '28/10/2026 17:00', '30/10/2026 09:00', 'Có'], // received before the period
  ['HS-8', '1.001612', '28/11/2026 09:00', '03/12/2026 17:00', null, 'Không'], // due after the period
];

export async function xlsx(rows: (string | Date | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Hồ sơ');
  ws.addRow(HEADER);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function upload(env: Env, token: string, bytes: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  return env.api(token, 'POST', '/api/dossiers/import', form);
}
