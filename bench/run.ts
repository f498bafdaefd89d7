/**
 * `npm run bench`: measurements, not tests. Every number is printed beside its reference measured on the
 * same machine in the same run, as a ratio, and recorded in bench/results/ (latest.json, RESULTS.md).
 *   1. raw line-protocol writes into InfluxDB            (reference for the collector's write path)
 *   2. bare aedes vs the project broker, 120 connections  (the cost of auth, ACL and limits)
 *   3. naive pipeline vs the whole path, sustained rate   (0 lost, 0 doubled checked by query)
 *   4. press→queryable p99 at 2,000 ratings/s, whole path vs naive
 *   5. loudspeaker start-time accuracy, 50 speakers
 * Set BENCH_QUICK=1 for a short smoke run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalInfluxd } from '../infra/influxd.ts';
import { runBrokerBench, runPathBench, runLatencyBench, type Ctx } from './lib/scenarios.ts';
import { runWritePathBench } from './lib/write-path.ts';
import { recordResults } from './lib/record.ts';
import { benchRegistry } from './lib/setup.ts';
import { runSpeakerStartBench } from './speaker-start.ts';

const quick = process.env.BENCH_QUICK === '1';
const dir = mkdtempSync(join(tmpdir(), 'tt-bench-'));
const influxd = new LocalInfluxd({ dir: join(dir, 'influxd') });
await influxd.start();
try {
  const reg = await benchRegistry(dir);
  const ctx: Ctx = { dir, influxUrl: influxd.url, ...reg, quick };
  const results: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, quick };
  console.log('1/5 collector write path vs raw line protocol …');
  results.writePath = await runWritePathBench({ influxUrl: influxd.url, registryPath: reg.registryPath, points: quick ? 20_000 : 100_000, rounds: quick ? 1 : 3 });
  console.log('2/5 project broker vs bare aedes …');
  results.broker = await runBrokerBench(ctx);
  console.log('3/5 whole path vs naive pipeline (sustained) …');
  results.path = await runPathBench(ctx);
  console.log('4/5 press→queryable at 2,000 ratings/s …');
  results.latency = await runLatencyBench(ctx);
  console.log('5/5 loudspeaker start accuracy …');
  results.speakers = await runSpeakerStartBench();
  recordResults(results);
} finally {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
