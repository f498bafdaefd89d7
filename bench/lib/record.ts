import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetsTable, verdict, type TargetRow } from './targets-table.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fmt = (n: number, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a';

/** Print the ratios beside their targets and record them in bench/results/. */
export function recordResults(r: Any): void {
  const rows: TargetRow[] = [];
  const wp = r.writePath;
  rows.push([
    'collector write path vs raw line protocol',
    `${fmt(wp.collectorPerSecond)}/s vs ${fmt(wp.rawPerSecond)}/s = ${fmt(wp.ratio, 2)}×`,
    '≥ 0.9×',
    verdict(wp.ratio >= 0.9),
  ]);
  rows.push([
    '(influx writePoints vs raw line protocol, for reference)',
    `${fmt(wp.writePointsPerSecond)}/s = ${fmt(wp.writePointsRatio, 2)}×`,
    '',
    '',
  ]);
  const b = r.broker;
  rows.push([
    `project broker vs bare aedes: capacity (messages per broker CPU second, ${b.connections} connections, QoS 1)`,
    `${fmt(1e6 / b.projectCpuMsPerThousand)}/s vs ${fmt(1e6 / b.bareCpuMsPerThousand)}/s = ${fmt(b.ratio, 2)}×`,
    '≥ 0.9×',
    verdict(b.ratio >= 0.9),
  ]);
  rows.push([
    '(same, end-to-end throughput; bound by the load generator on 2 cores)',
    `${fmt(b.projectPerSecond)}/s vs ${fmt(b.bareAedesPerSecond)}/s = ${fmt(b.throughputRatio, 2)}×`,
    '',
    '',
  ]);
  const p = r.path;
  rows.push([
    'whole path vs naive pipeline, sustained',
    `${fmt(p.wholePath.perSecond)}/s vs ${fmt(p.naive.perSecond)}/s = ${fmt(p.ratio, 2)}×`,
    '≥ 1.5×',
    verdict(p.ratio >= 1.5),
  ]);
  rows.push([
    'whole path: lost / doubled',
    `${p.wholePath.lost} / ${p.wholePath.doubled} of ${fmt(p.sent)}`,
    '0 / 0',
    verdict(p.wholePath.lost === 0 && p.wholePath.doubled === 0),
  ]);
  const l = r.latency;
  rows.push([
    `press→queryable p99 at ${fmt(l.ratePerSecond)}/s`,
    `${fmt(l.wholePath.p99Ms)} ms (p50 ${fmt(l.wholePath.p50Ms)}) vs naive ${fmt(l.naive.p99Ms)} ms (p50 ${fmt(l.naive.p50Ms)})`,
    '≤ 250 ms',
    verdict(l.wholePath.p99Ms <= 250),
  ]);
  const s = r.speakers;
  rows.push([
    `loudspeaker start, ${s.speakers} speakers`,
    `spread ${fmt(s.spreadMs)} ms, lateness p50 ${fmt(s.latenessP50Ms)} ms, max ${fmt(s.latenessMaxMs)} ms`,
    '(recorded)',
    '',
  ]);
  const a = r.ack;
  if (a)
    rows.push([
      `rating box acknowledgement (pin → LED + beep), ${a.presses} presses`,
      `p50 ${fmt(a.p50Ms, 1)} ms, p95 ${fmt(a.p95Ms, 1)} ms, max ${fmt(a.maxMs, 1)} ms`,
      '≤ 100 ms',
      verdict(a.maxMs <= 100),
    ]);
  const table = targetsTable(rows);
  console.log(`\n${table}\n`);
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ at, ...r }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'latest.md'),
    `# Benchmark run ${at}\n\nMachine: ${r.machine.cpus} cores, Node ${r.machine.node}${r.quick ? ' (quick run)' : ''}. Every ratio is measured side by side in this run.\n\n${table}\n`,
  );
}
