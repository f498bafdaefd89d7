/**
 * `npm run bench`: measurements, not tests. Every number is printed beside its reference measured on the
 * same machine in the same run, as a ratio, and recorded in bench/results/ (latest.json, RESULTS.md).
 *   1. raw line-protocol writes into InfluxDB            (reference for the collector's write path)
 *   2. bare aedes vs the project broker, 120 connections  (the cost of auth, ACL and limits)
 *   3. naive pipeline vs the whole path, sustained rate   (0 lost, 0 doubled checked by query)
 *   4. press→queryable p99 at 2,000 ratings/s, whole path vs naive
 *   5. loudspeaker start-time accuracy, 50 speakers
 *   6. a rating box's acknowledgement (LED + beep) after a press, through johnny-five
 * Set BENCH_QUICK=1 for a short smoke run; `npm run bench -- write-path broker` runs only those parts
 * (write-path, broker, path, latency, speakers, ack) and prints them without recording.
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
import { measureAckLatency } from '../simulator/bench-ack.ts';
import { runSatisfactionViewBench } from './satisfaction-view.ts';
import { recordBridgeBudget, runBridgeBudgetBench } from './bridge-budget.ts';
import { runClusterBench } from './cluster.ts';
import { runClusterSoakBench } from './cluster-soak.ts';
import { runClusterMemoryBench } from './cluster-memory.ts';
import { runClusterPathBench } from './cluster-path.ts';
import { runBrokerAttackBench } from './broker-attack.ts';
import { runProxyFloodBench } from './proxy-flood.ts';
import { runLiveLatencyBench } from './live-latency.ts';
import { recordProvinceReach } from './province-reach-report.ts';
import { runProvinceReachBench } from './province-reach.ts';
import { recordAudioServe, runAudioServeBench } from './province-reach-audio.ts';

const quick = process.env.BENCH_QUICK === '1';
const dir = mkdtempSync(join(tmpdir(), 'tt-bench-'));
const influxd = new LocalInfluxd({ dir: join(dir, 'influxd') });
await influxd.start();
try {
  const reg = await benchRegistry(dir);
  const ctx: Ctx = { dir, influxUrl: influxd.url, ...reg, quick };
  const results: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    quick,
  };
  const parts = {
    writePath: [
      'write-path',
      'collector write path vs raw line protocol',
      () =>
        runWritePathBench({
          influxUrl: influxd.url,
          registryPath: reg.registryPath,
          points: quick ? 20_000 : 100_000,
          rounds: quick ? 1 : 3,
        }),
    ],
    broker: ['broker', 'project broker vs bare aedes', () => runBrokerBench(ctx)],
    path: ['path', 'whole path vs naive pipeline (sustained)', () => runPathBench(ctx)],
    latency: ['latency', 'press→queryable at 2,000 ratings/s', () => runLatencyBench(ctx)],
    speakers: ['speakers', 'loudspeaker start accuracy', () => runSpeakerStartBench()],
    ack: ['ack', 'rating box: pin → LED/beep acknowledgement', () => measureAckLatency({ presses: quick ? 50 : 200 })],
    satisfactionView: [
      'satisfaction-view',
      'province satisfaction view, 100 communes × 1 year',
      () => runSatisfactionViewBench({ dir, influxUrl: influxd.url, quick }),
    ],
    bridgeBudget: [
      'bridge-budget',
      'bridge RSS, start-up and SD writes on one core (built JS)',
      () => runBridgeBudgetBench({ quick }).then((r) => (recordBridgeBudget(r), r)),
    ],
    cluster: [
      'cluster',
      'province scale: broker nodes on Redis vs mosquitto, reconnect storm, soak',
      () => runClusterBench({ quick, dir }),
    ],
    clusterMemory: [
      'cluster-memory',
      "where a broker node's memory per connection goes",
      () => runClusterMemoryBench({ dir }),
    ],
    clusterPath: [
      'cluster-path',
      'whole path: haproxy → 1 vs 2 broker nodes → 1 vs 2 collectors → InfluxDB, exactly once',
      () => runClusterPathBench({ influxUrl: influxd.url }),
    ],
    clusterSoak: [
      'cluster-soak',
      'broker node on Redis soaked (BENCH_SOAK_S, BENCH_SOAK_N): RSS and Redis memory',
      () => runClusterSoakBench(),
    ],
    provinceReach: [
      'province-reach',
      'province emergency and stop reach (2,000 speakers, 100 communes)',
      async () => {
        const r = await runProvinceReachBench();
        recordProvinceReach(r);
        return r;
      },
    ],
    provinceReachAudio: [
      'province-reach-audio',
      "an emergency's audio: 2,000 downloads at once, served as before and as now",
      async () => {
        const r = await runAudioServeBench();
        recordAudioServe(r);
        return r;
      },
    ],
    brokerAttack: [
      'broker-attack',
      'broker under attack: declared-length memory, wrong-password flood',
      () => runBrokerAttackBench(),
    ],
    proxyFlood: [
      'proxy-flood',
      'wrong-password flood through haproxy: first logins with and without PROXY v2 headers',
      () => runProxyFloodBench(),
    ],
    liveLatency: [
      'live-latency',
      'live broadcast mouth→speaker latency (1 and 50 speakers), relay start delay',
      () => runLiveLatencyBench(),
    ],
  } as const;
  const only = process.argv.slice(2);
  for (const [key, [name, title, run]] of Object.entries(parts)) {
    if (only.length && !only.includes(name)) continue;
    console.log(`${name}: ${title} …`);
    results[key] = await run();
  }
  if (only.length) console.log(JSON.stringify(results, null, 2));
  else recordResults(results);
} finally {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
