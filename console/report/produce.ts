import type { Registry } from '../../devices/registry/index.ts';
import { resolveArea, type Area } from './area.ts';
import { buildReport, type Report, type ServiceData } from './build.ts';
import type { DeclaredItems } from './declared.ts';
import { communeCsv, totalsCsv } from './csv.ts';
import { fetchPeriodData } from './fetch.ts';
import { reportHtml } from './html.ts';
import { httpQueryRunner } from './influx.ts';
import { parsePeriod } from './period.ts';
import { influxClient } from '../../infra/influx-client.ts';

/** The appendix files, by name: what `npm run report` writes and what the console downloads. */
export const REPORT_FILES = {
  'phu-luc-xa.csv': communeCsv,
  'tong-hop.csv': totalsCsv,
  'bao-cao.html': reportHtml,
} as const;
export type ReportFile = keyof typeof REPORT_FILES;

export type ProduceOptions = {
  registry: Registry;
  /** province, district or commune code */
  area: string;
  /** Vietnam days, YYYY-MM-DD, inclusive */
  from: string;
  to: string;
  influxUrl: string;
  database: string;
  now: number;
  /** keep only these communes of the area (the console: what the user may read); absent = all */
  communes?: (area: Area) => Area['communes'];
  /** the deployment items commune staff declared (the console's record); absent: "not declared" */
  declared?: (communes: string[]) => DeclaredItems;
  /** the Decision 766 figures and follow-up counts (the console's dossiers and cases) of [from, to) in UTC ms; absent: "Chưa có dữ liệu" */
  service?: (communes: string[], period: { from: number; to: number }) => Promise<ServiceData>;
};

/** One report for an area and period, from InfluxDB: the model and its files. */
export async function produceReport(o: ProduceOptions): Promise<{ report: Report; files: Record<ReportFile, string> }> {
  const period = parsePeriod(o.from, o.to);
  const resolved = resolveArea(o.registry, o.area);
  const area = o.communes ? { ...resolved, communes: o.communes(resolved) } : resolved;
  const influx = influxClient(o.influxUrl, o.database);
  const devices = area.communes.flatMap((p) => p.commune.devices.map((d) => d.id));
  const deps = { run: httpQueryRunner(o.influxUrl, o.database), influx, database: o.database, now: o.now };
  const data = await fetchPeriodData(deps, area.provinceCode, devices, period.startMs, period.endMs);
  const codes = area.communes.map((p) => p.commune.code);
  const service = o.service ? await o.service(codes, { from: period.startMs, to: period.endMs }) : undefined;
  const report = buildReport(area, period, data, o.now, o.declared?.(codes), service);
  const files = Object.fromEntries(
    Object.entries(REPORT_FILES).map(([name, render]) => [name, render(report)]),
  ) as Record<ReportFile, string>;
  return { report, files };
}
