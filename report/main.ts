import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRegistry, RegistryError } from '../devices/registry/index.ts';
import { systemClock } from '../infra/clock.ts';
import { ReportError } from './errors.ts';
import { produceReport } from './produce.ts';

/**
 * tsx report/main.ts --from 2025-01-01 --to 2025-12-31 --area <code> --registry <file>
 *                    --influx <url> --db <name> --out <dir>
 * Writes phu-luc-xa.csv, tong-hop.csv (UTF-8 with BOM) and bao-cao.html into --out.
 */
const USAGE = 'Cách dùng: tsx report/main.ts --from NNNN-TT-NN --to NNNN-TT-NN --area <mã tỉnh|huyện|xã> --registry <tệp> --influx <url> --db <tên> --out <thư mục>';

export async function run(argv: string[], now = systemClock.now): Promise<string[]> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(['from', 'to', 'area', 'registry', 'influx', 'db', 'out'].map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new ReportError('BAD_ARGS', `Tham số không hợp lệ: ${(err as Error).message}\n${USAGE}`);
  }
  const missing = ['from', 'to', 'area', 'registry', 'influx', 'db', 'out'].filter((k) => !values[k]);
  if (missing.length) throw new ReportError('BAD_ARGS', `Thiếu tham số: ${missing.map((k) => `--${k}`).join(', ')}\n${USAGE}`);
  let registry;
  try {
    registry = loadRegistry(values.registry!);
  } catch (err) {
    if (err instanceof RegistryError) throw new ReportError('REGISTRY', err.message);
    throw err;
  }
  const { files } = await produceReport({ registry, area: values.area!, from: values.from!, to: values.to!, influxUrl: values.influx!, database: values.db!, now: now() });
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
