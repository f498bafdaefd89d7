import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InfluxDB } from 'influx';
import { loadRegistry, RegistryError } from '../devices/registry/index.ts';
import { systemClock } from '../infra/clock.ts';
import { resolveArea } from './area.ts';
import { buildReport } from './build.ts';
import { communeCsv, totalsCsv } from './csv.ts';
import { ReportError } from './errors.ts';
import { fetchPeriodData } from './fetch.ts';
import { reportHtml } from './html.ts';
import { httpQueryRunner } from './influx.ts';
import { parsePeriod } from './period.ts';

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
  const period = parsePeriod(values.from!, values.to!);
  let registry;
  try {
    registry = loadRegistry(values.registry!);
  } catch (err) {
    if (err instanceof RegistryError) throw new ReportError('REGISTRY', err.message);
    throw err;
  }
  const area = resolveArea(registry, values.area!);
  const nowMs = now();
  const u = new URL(values.influx!);
  const influx = new InfluxDB({ host: u.hostname, port: Number(u.port || 8086), protocol: u.protocol === 'https:' ? 'https' : 'http', database: values.db! });
  const devices = area.communes.flatMap((p) => p.commune.devices.map((d) => d.id));
  const deps = { run: httpQueryRunner(values.influx!, values.db!), influx, database: values.db!, now: nowMs };
  const data = await fetchPeriodData(deps, area.provinceCode, devices, period.startMs, period.endMs);
  const report = buildReport(area, period, data, nowMs);
  mkdirSync(values.out!, { recursive: true });
  const files = { 'phu-luc-xa.csv': communeCsv(report), 'tong-hop.csv': totalsCsv(report), 'bao-cao.html': reportHtml(report) };
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
