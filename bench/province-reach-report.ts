import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProvinceReachBench, type ProvinceReachResult, type Stats } from './province-reach.ts';

/** The results of the province reach benchmark, as bench/results/province-reach.{json,md}; run alone: `tsx bench/province-reach-report.ts [--record-only]`. */
function analysis(r: ProvinceReachResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const sysE = r.cpu.console.emergencyMs + r.cpu.broker.emergencyMs;
  const sysS = r.cpu.console.stopMs + r.cpu.broker.stopMs;
  const cores = 2;
  const load = Math.round(r.loadAverage.before[0]);
  const ok = (v: number | null, t: number) => (v !== null && v <= t ? 'meets' : 'misses');
  return (
    `## Where the time goes\n\n` +
    `- **One message per province.** The emergency is one signed area order on \`tt/v1/emergency/province/<code>\` (the ` +
    `speakers' own documents no longer carry it) and the stop one on \`tt/v1/stop/province/<code>\`; the leader's answer came after ` +
    `${r.emergency.approvedAfterMs} ms and the console was idle again after ${s(r.emergency.publishedAfterMs)}. The order reached the speakers' ` +
    `MQTT clients at p50 ${s(r.emergency.areaArrived.p50Ms)}, p99 ${s(r.emergency.areaArrived.p99Ms)}; then each speaker downloads the audio ` +
    `(${r.speakers} GETs, served from memory) while its amplifier warms up (${r.warmupMs} ms). The speakers' documents, which ` +
    `still carry the stop, follow the stop order after 2 s (\`schedule.areaLeadMs\`); they do not carry the emergency and are not ` +
    `rebuilt for it.\n` +
    `- **Silence first.** A speaker obeys a stop inside the callback of the message that carries it (the gate set, the sound cut, the ` +
    `relay off) and leaves the rest to the next turn of its event loop: the time line rebuilt, the order written to its card, the ` +
    `broadcast log sent. A thousand speakers of one fleet process receiving the same order therefore all switch off before any of ` +
    `them writes: the stop's critical path is the signature check and the cut.\n` +
    `- **One speaker with its own CPU** (the probe, alone in its process, of the last commune): playback started ` +
    `${r.probe.emergencyMs} ms after the click (${ok(r.probe.emergencyMs, 3000)} the 3 s target) and its relay went off ${r.probe.stopMs} ms after the ` +
    `stop click (${ok(r.probe.stopMs, 1000)} the 1 s target). That is what a Pi, which verifies, merges and downloads only for itself, sees.\n` +
    `- **The fleet's tail is the simulator's CPU.** The ${r.speakers - 1} other speakers share ${r.fleets} processes on ${cores} cores with ` +
    `the console and the broker (load average ${load} at the start): the emergency cost ${s(r.simulator.emergencyCpuMs)} of ` +
    `CPU in the fleets (about ${(r.simulator.emergencyCpuMs / r.speakers).toFixed(1)} ms a speaker: Ed25519 check, order parsed, time line merged, ` +
    `download, hash) ` +
    `against ${s(sysE)} in the console and broker, and the stop ${s(r.simulator.stopCpuMs)} against ${s(sysS)}. The fleets' event loops were held up ` +
    `to ${s(r.simulator.loopDelayMaxMs)} at once (a thousand sockets ready in one poll), so an order that the broker delivered in well under a ` +
    `second waited its turn in the fleet.\n` +
    `- **Targets** on this machine, fleet p99: emergency ${s(r.emergency.p99Ms)} (target 3 s: ${r.emergency.p99Ms <= 3000 ? 'met' : `missed by ${s(r.emergency.p99Ms - 3000)}`}), ` +
    `stop ${s(r.stop.p99Ms)} (target 1 s: ${r.stop.p99Ms <= 1000 ? 'met' : `missed by ${s(r.stop.p99Ms - 1000)}`}).\n`
  );
}

export function recordProvinceReach(r: ProvinceReachResult, at = new Date().toISOString()): void {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'province-reach.json'), `${JSON.stringify({ at, ...r }, null, 2)}\n`);
  const ok = (v: number, t: number) => (v <= t ? 'met' : `**missed** by ${Math.round(v - t)} ms`);
  const row = (name: string, s: Stats, target = '', verdict = '') =>
    `| ${name} | ${s.p50Ms} ms | ${s.p99Ms} ms | ${s.maxMs} ms | ${target} | ${verdict} |\n`;
  writeFileSync(
    join(dir, 'province-reach.md'),
    `# Province emergency and stop reach, ${at}\n\n${r.speakers} speakers in ${r.communes} communes, each its own MQTT connection ` +
      `to the project broker under its own credentials; load average ${r.loadAverage.before.join(' / ')} before, ` +
      `${r.loadAverage.after.join(' / ')} after (1/5/15 min). ${r.note}\n\n` +
      `| measure | p50 | p99 | max | target (p99) | |\n| --- | --- | --- | --- | --- | --- |\n` +
      row(
        `emergency: click → playback start (warm-up ${r.warmupMs} ms)`,
        r.emergency,
        '≤ 3,000 ms',
        ok(r.emergency.p99Ms, 3000),
      ) +
      row("… click → the province's area emergency order at the speaker", r.emergency.areaArrived) +
      row('… click → area order accepted (verified, merged)', r.emergency.areaAccepted) +
      row('stop: click → relay off', r.stop, '≤ 1,000 ms', ok(r.stop.p99Ms, 1000)) +
      row('… click → stop at the speaker', r.stop.arrived) +
      `\nNever started: ${r.emergency.neverStarted}; relay never off: ${r.stop.neverOff}. The speech was made when the leader heard ` +
      `it before issuing (POST /api/speech, ${r.emergency.speechMs} ms, not in the reach). The leader's request returned after ` +
      `${r.emergency.approvedAfterMs} ms; the console's publisher was idle (the area order acknowledged by the broker, and no ` +
      `speaker document to re-issue) after ${r.emergency.publishedAfterMs} ms (stop: ${r.stop.publishedAfterMs} ms, before the ` +
      `speakers' documents that follow the stop order 2 s later; the emergency is in no speaker's document, so the ` +
      `json's \`emergency.arrived\`/\`accepted\` are those stop documents, not the emergency).\n\n` +
      `Simulator cost: the ${r.fleets} fleet processes used ${r.simulator.emergencyCpuMs} ms of CPU during the emergency measure and ` +
      `${r.simulator.stopCpuMs} ms during the stop measure; their event-loop delay reached p99 ${r.simulator.loopDelayP99Ms} ms, ` +
      `max ${r.simulator.loopDelayMaxMs} ms. Over the same measures the console used ${r.cpu.console.emergencyMs} / ${r.cpu.console.stopMs} ms ` +
      `of CPU and the broker ${r.cpu.broker.emergencyMs} / ${r.cpu.broker.stopMs} ms (emergency / stop). ` +
      `One speaker measured alone in its own process (an idle event loop, as on its own Pi) started playing after ` +
      `${r.probe.emergencyMs} ms and switched its relay off after ${r.probe.stopMs} ms.\n\n` +
      analysis(r),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--record-only`: write the .md again from the last .json (no new measurement)
  if (process.argv.includes('--record-only')) {
    const { at, ...last } = JSON.parse(
      readFileSync(join(import.meta.dirname, 'results', 'province-reach.json'), 'utf8'),
    );
    recordProvinceReach(last as ProvinceReachResult, at);
    process.exit(0);
  }
  const r = await runProvinceReachBench();
  recordProvinceReach(r);
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
