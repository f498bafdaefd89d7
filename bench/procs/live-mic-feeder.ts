/**
 * The live benchmark's console side, in a process of its own as on a real console: a real-time "microphone"
 * (ffmpeg, WebM/Opus sent in 100 ms chunks like MediaRecorder: `warmupS` of silence, then a 10 ms 2 kHz click
 * at every whole second) fed to the console's LiveFeeder. The speakers' decoders run in the benchmark's process;
 * sharing one event loop with 50 decoder spawns would starve the feeder, which no console does.
 * argv: sourceUrl warmupS clicks killAtS(-1: none). Prints JSON lines: {t0}, {state}, {killedAt}, {stopping}, {end}.
 */
import { spawn } from 'node:child_process';
import { LiveFeeder } from '../../console/live/feeder.ts';

const [sourceUrl, warmupArg, clicksArg, killArg] = process.argv.slice(2);
const WARMUP_S = Number(warmupArg);
const total = WARMUP_S + Number(clicksArg);
const killAtS = Number(killArg);
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
let t0: number | null = null;

const feeder = new LiveFeeder({
  ffmpeg: '/usr/bin/ffmpeg',
  sourceUrl,
  onState: (s) => out({ state: `${Date.now() - (t0 ?? Date.now())} ms: ${s.state} ${s.detail ?? ''}`.trim() }),
});
const mic = spawn(
  '/usr/bin/ffmpeg',
  [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i'],
    `aevalsrc='if(gte(t,${WARMUP_S})*lt(mod(t,1),0.01),0.9*sin(2*PI*2000*t),0)':s=48000:d=${total}`,
    ...['-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', '-f', 'webm', '-cluster_time_limit', '100'],
    'pipe:1',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let pending: Buffer[] = [];
mic.stdout.on('data', (d: Buffer) => {
  if (t0 === null) {
    t0 = Date.now();
    out({ t0 });
  }
  pending.push(d);
});
// MediaRecorder's timeslice: the chunks leave every 100 ms
const pump = setInterval(() => {
  if (pending.length) feeder.write(Buffer.concat(pending));
  pending = [];
}, 100);
if (killAtS >= 0) {
  const drill = setInterval(() => {
    if (t0 === null || Date.now() < t0 + (WARMUP_S + killAtS) * 1000) return;
    clearInterval(drill);
    out({ killedAt: Date.now() });
    if (feeder.pid) process.kill(feeder.pid, 'SIGKILL');
  }, 20);
}
mic.once('close', () => {
  setTimeout(() => {
    clearInterval(pump);
    // the speakers stop first: the end of the mount is not counted as one more reconnect
    out({ stopping: true });
    setTimeout(() => {
      feeder.stop();
      out({ end: true, restarts: feeder.status.restarts, events: feeder.events });
      setTimeout(() => process.exit(0), 500);
    }, 500);
  }, 2_000);
});
