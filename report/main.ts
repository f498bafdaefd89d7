import { mkdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RatingsSource } from '../console/dossiers/ratings.ts';
import { serviceFiguresOf } from '../console/dossiers/service-figures.ts';
import { loadRegistry, RegistryError } from '../devices/registry/index.ts';
import { systemClock } from '../infra/clock.ts';
import { ReportError } from '../console/report/errors.ts';
import { produceReport } from '../console/report/produce.ts';

/**
 * tsx report/main.ts --from 2025-01-01 --to 2025-12-31 --area <code> --registry <file>
 *                    --influx <url> --db <name> --out <dir>
 *                    [--console-db <dataDir>/console.sqlite]
 * Writes phu-luc-xa.csv, tong-hop.csv (UTF-8 with BOM) and bao-cao.html into --out. The Decision 766 figure and
 * the follow-up counts need the console's database (imported dossiers, cases), opened read-only; without
 * --console-db they read "Chưa có dữ liệu".
 */
const USAGE =
  'Cách dùng: tsx report/main.ts --from NNNN-TT-NN --to NNNN-TT-NN --area <mã tỉnh|huyện|xã> --registry <tệp> --influx <url> --db <tên> --out <thư mục> [--console-db <tệp console.sqlite>]';

export async function run(argv: string[], now = systemClock.now): Promise<string[]> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        ['from', 'to', 'area', 'registry', 'influx', 'db', 'out', 'console-db'].map((k) => [
          k,
          { type: 'string' as const },
        ]),
      ),
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new ReportError('BAD_ARGS', `Tham số không hợp lệ: ${(err as Error).message}\n${USAGE}`);
  }
  const missing = ['from', 'to', 'area', 'registry', 'influx', 'db', 'out'].filter((k) => !values[k]);
  if (missing.length)
    throw new ReportError('BAD_ARGS', `Thiếu tham số: ${missing.map((k) => `--${k}`).join(', ')}\n${USAGE}`);
  // biome-ignore lint/suspicious/noImplicitAnyLet: assigned in the try below, typed by its value
  let registry;
  try {
    registry = loadRegistry(values.registry!);
  } catch (err) {
    if (err instanceof RegistryError) throw new ReportError('REGISTRY', err.message);
    throw err;
  }
  const at = now();
  let consoleDb: Database.Database | undefined;
  let service: ReturnType<typeof serviceFiguresOf> | undefined;
  if (values['console-db']) {
    try {
      consoleDb = new Database(values['console-db'], { readonly: true, fileMustExist: true });
      service = serviceFiguresOf(consoleDb, new RatingsSource({ url: values.influx!, database: values.db! }));
    } catch (err) {
      consoleDb?.close();
      throw new ReportError(
        'CONSOLE_DB',
        `Không đọc được cơ sở dữ liệu của hệ thống quản lý "${values['console-db']}": ${(err as Error).message}`,
      );
    }
  }
  // biome-ignore lint/suspicious/noImplicitAnyLet: assigned in the try below, typed by its value
  let files;
  try {
    ({ files } = await produceReport({
      registry,
      area: values.area!,
      from: values.from!,
      to: values.to!,
      influxUrl: values.influx!,
      database: values.db!,
      now: at,
      ...(service
        ? { service: (codes: string[], period: { from: number; to: number }) => service(codes, period, at) }
        : {}),
    }));
  } finally {
    consoleDb?.close();
  }
  mkdirSync(values.out!, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(values.out!, name), text);
  return Object.keys(files).map((f) => join(values.out!, f));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  run(process.argv.slice(2)).then(
    (files) => files.forEach((f) => console.log(f)),
    (err) => {
      console.error(err instanceof ReportError ? `Lỗi [${err.code}]: ${err.message}` : err);
      process.exitCode = 2;
    },
  );
}
