/**
 * Province-wide reach: a province emergency from the leader's click (POST /api/emergency, approved at once)
 * to playback start on every speaker, then "Dừng phát ngay" over the whole province (POST /api/stops) to
 * every relay off. The project broker as its own process (per-device credentials, ACLs, limits at their
 * defaults), the real console in this process (signing, publisher, HTTP audio), and the speakers in
 * BENCH_FLEETS processes (bench/procs/speaker-fleet.ts): one SpeakerUnit and one MQTT connection per speaker,
 * fetching the audio from the console as speakers do.
 * Size: BENCH_SPEAKERS (default 2,000) in BENCH_COMMUNES (default 100). Records bench/results/province-reach.{json,md}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseRegistry } from '../devices/registry/index.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { silentLogger } from '../infra/logger.ts';
import { ServiceProcess } from '../infra/child.ts';
import { freePort } from '../infra/ports.ts';
import { parseConfig, startConsole } from '../console/index.ts';
import type { FleetPlan, FleetReport, FleetRequest, SpeakerMarks } from './procs/speaker-fleet.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}
export type Stats = { p50Ms: number; p99Ms: number; maxMs: number };
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: percentile(s, 50), p99Ms: percentile(s, 99), maxMs: s.at(-1) ?? NaN };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms a process used so far (utime + stime from /proc; Linux) */
function cpuOfPid(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export type ProvinceReachResult = {
  speakers: number;
  communes: number;
  fleets: number;
  warmupMs: number;
  emergency: Stats & {
    neverStarted: number;
    /** the speech synthesis (espeak-ng, loudness, MP3) made beforehand when the leader heard it */
    speechMs: number;
    /** the HTTP answer to the leader (speech ready, stored, queued for every commune) */
    approvedAfterMs: number;
    /** the console has signed and the broker acknowledged every speaker's document */
    publishedAfterMs: number;
    /** click → the document reached the speaker's MQTT client; → the speaker accepted it (verified, merged) */
    arrived: Stats;
    accepted: Stats;
    /** click → the province's one area emergency order reached the speaker; → accepted (verified, merged) */
    areaArrived: Stats;
    areaAccepted: Stats;
  };
  stop: Stats & { neverOff: number; publishedAfterMs: number; arrived: Stats };
  /** what the simulated speakers' processes cost while each measure ran */
  simulator: { emergencyCpuMs: number; stopCpuMs: number; loopDelayP99Ms: number; loopDelayMaxMs: number };
  /** CPU ms of the console (this process) and of the broker process over each measure */
  cpu: { console: { emergencyMs: number; stopMs: number }; broker: { emergencyMs: number; stopMs: number } };
  /** one of the speakers, alone in its own process (an idle event loop, as on its own Pi): what the fleet's sharing adds */
  probe: { emergencyMs: number | null; stopMs: number | null };
  loadAverage: { before: number[]; after: number[] };
  note: string;
};

class Fleet {
  readonly proc: ChildProcess;
  #waiters = new Map<string, (m: { type: string; report?: FleetReport }) => void>();
  constructor() {
    this.proc = fork(join(import.meta.dirname, 'procs', 'speaker-fleet.ts'), [], {
      execArgv: ['--import', 'tsx', ...(process.env.BENCH_FLEET_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: { type: string }) => {
      const w = this.#waiters.get(m.type);
      this.#waiters.delete(m.type);
      w?.(m);
    });
  }
  #ask(
    req: FleetRequest | FleetPlan,
    answer: string,
    timeoutMs = 600_000,
  ): Promise<{ type: string; report?: FleetReport }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`speaker fleet did not answer ${answer}`)), timeoutMs);
      this.#waiters.set(answer, (m) => (clearTimeout(timer), resolve(m)));
      this.proc.send(req);
    });
  }
  start(plan: FleetPlan) {
    return this.#ask(plan, 'started');
  }
  async report(full = false): Promise<FleetReport> {
    return (await this.#ask({ type: 'report', full }, 'report')).report!;
  }
  mark() {
    return this.#ask({ type: 'mark' }, 'marked');
  }
  resetOff() {
    return this.#ask({ type: 'reset-off' }, 'reset');
  }
  async close() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    await this.#ask({ type: 'close' }, 'closed', 60_000).catch(() => this.proc.kill('SIGKILL'));
    await exited;
  }
}

/** poll the fleets (cheap counts only) until `done` or the timeout */
async function until(
  fleets: Fleet[],
  done: (r: FleetReport[]) => boolean,
  timeoutMs: number,
  everyMs = 250,
): Promise<FleetReport[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await Promise.all(fleets.map((f) => f.report()));
    if (done(r) || Date.now() > end) return r;
    await sleep(everyMs);
  }
}
const sum = (r: FleetReport[], k: 'connected' | 'communeAccepted' | 'provinceAccepted' | 'playing' | 'relayOff') =>
  r.reduce((a, x) => a + x[k], 0);

export async function runProvinceReachBench(
  opts: { speakers?: number; communes?: number; fleets?: number } = {},
): Promise<ProvinceReachResult> {
  const communes = opts.communes ?? Number(process.env.BENCH_COMMUNES ?? 100);
  const perCommune = Math.max(1, Math.round((opts.speakers ?? Number(process.env.BENCH_SPEAKERS ?? 2000)) / communes));
  const fleetCount = opts.fleets ?? Number(process.env.BENCH_FLEETS ?? 2);
  const warmupMs = 500;
  const root = mkdtempSync(join(tmpdir(), 'tt-bench-province-'));
  // each Pi syncs its own SD card; 2,000 simulated units syncing one shared disk would measure that disk,
  // so the speakers' folders live in memory (tmpfs) when the machine has one
  const speakerRoot = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/tt-bench-speakers-') : join(root, 'speakers');
  const { yaml, secrets } = await demoRegistry({
    communes,
    hamletsPerCommune: perCommune,
    countersPerCommune: 0,
    cost: CHEAP,
  });
  const registryPath = join(root, 'registry.yaml');
  writeFileSync(registryPath, yaml);
  const registry = parseRegistry(yaml);
  // the project broker with its default limits (rate, sizes, admission): only where it listens is set
  const port = await freePort();
  writeFileSync(join(root, 'broker.yaml'), stringify({ host: '127.0.0.1', port, registryPath }));
  const broker = new ServiceProcess(
    'broker',
    ['broker/main.ts', '--config', join(root, 'broker.yaml')],
    /broker listening/,
    { LOG_LEVEL: 'info' },
  );
  // a broker that never says it is ready is stopped, not left behind
  await broker.start().catch(async (err: unknown) => {
    await broker.stop('SIGKILL');
    throw err;
  });
  const brokerUrl = `mqtt://127.0.0.1:${port}`;
  const config = parseConfig({
    dataDir: join(root, 'console'),
    registryPath: 'in-memory',
    http: { port: 0, secureCookies: false },
    mqtt: { url: brokerUrl, username: 'console', password: secrets.console, publishTimeoutMs: 30_000 },
  });
  const console_ = await startConsole({ config, registry, log: silentLogger, hashCost: CHEAP });
  const province = registry.file.provinces[0].code;
  const password = 'mat-khau-do-kiem';
  await console_.users.create(
    { username: 'tinh-lanhdao', password, role: 'leader', level: 'province', unit: province },
    'bench',
  );
  const login = await (
    await fetch(`${console_.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'tinh-lanhdao', password }),
    })
  ).json();
  const auth = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };

  const all = [...registry.allCommunes()].flatMap(({ commune }) =>
    commune.devices
      .filter((d) => d.kind === 'speaker')
      .map((d) => ({
        id: d.id,
        password: secrets[d.id],
        commune: commune.code,
        hamlet: (d as { hamlet: string }).hamlet,
        communeKey: console_.keys.get(commune.code)!.publicKeyDer,
      })),
  );
  const fleets = Array.from({ length: fleetCount }, () => new Fleet());
  // a speaker of the last commune (served last) measured alone: what the broker and console give one Pi
  const probeSpeaker = all.at(-1)!;
  const probeFleet = new Fleet();
  const probed = [...fleets, probeFleet];
  const loadBefore = loadavg();
  try {
    await Promise.all(
      fleets.map((f, i) =>
        f.start({
          brokerUrl,
          consoleUrl: console_.url,
          warmupMs,
          province: { code: province, key: console_.keys.get(province)!.publicKeyDer },
          dataDir: speakerRoot,
          speakers: all.slice(0, -1).filter((_, k) => k % fleetCount === i),
        }),
      ),
    );
    // the probe is one of the speakers, alone in its process (it counts among the speakers measured)
    await probeFleet.start({
      brokerUrl,
      consoleUrl: console_.url,
      warmupMs,
      province: { code: province, key: console_.keys.get(province)!.publicKeyDer },
      dataDir: speakerRoot,
      speakers: [probeSpeaker],
    });
    await until(probed, (r) => sum(r, 'connected') === all.length, 300_000, 1_000);
    await console_.publisher.idle();
    await until(probed, (r) => sum(r, 'communeAccepted') === all.length, 300_000, 1_000);
    await sleep(2_000); // let the start-up settle (status messages, retained deliveries)

    // the leader hears the speech before issuing it ("Nghe thử"): the synthesis is made then, not on the way
    const text = 'Bão mạnh đổ bộ, bà con vào nơi trú ẩn ngay.';
    const speechAt = Date.now();
    const speech = await fetch(`${console_.url}/api/speech`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text }),
    });
    if (speech.status !== 200) throw new Error(`speech refused: ${speech.status} ${await speech.text()}`);
    const speechMs = Date.now() - speechAt;
    await Promise.all(probed.map((f) => f.mark()));
    let consoleCpu = ownCpuMs();
    let brokerCpu = cpuOfPid(broker.pid);
    const clickAt = Date.now();
    const res = await fetch(`${console_.url}/api/emergency`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'Bão khẩn cấp', text, communes: 'all', hamlets: 'all' }),
    });
    if (res.status !== 201) throw new Error(`emergency refused: ${res.status} ${await res.text()}`);
    const approvedAfterMs = Date.now() - clickAt;
    await console_.publisher.idle();
    const emergencyPublishedAfterMs = Date.now() - clickAt;
    const afterEmergency = await until(probed, (r) => sum(r, 'playing') === all.length, 120_000);
    const emergencyConsoleCpu = ownCpuMs() - consoleCpu;
    const emergencyBrokerCpu = cpuOfPid(broker.pid) - brokerCpu;
    const emergencyCpuMs = afterEmergency.slice(0, fleetCount).reduce((a, r) => a + r.cpuMs, 0);
    const loopP99 = Math.max(...afterEmergency.slice(0, fleetCount).map((r) => r.loopDelay.p99Ms));
    const loopMax = Math.max(...afterEmergency.slice(0, fleetCount).map((r) => r.loopDelay.maxMs));
    await sleep(1_000);

    await Promise.all(probed.map((f) => f.resetOff()));
    await Promise.all(probed.map((f) => f.mark()));
    consoleCpu = ownCpuMs();
    brokerCpu = cpuOfPid(broker.pid);
    const stopAt = Date.now();
    const stop = await fetch(`${console_.url}/api/stops`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ communes: 'all' }),
    });
    if (stop.status !== 201) throw new Error(`stop refused: ${stop.status}`);
    await console_.publisher.idle();
    const stopPublishedAfterMs = Date.now() - stopAt;
    const afterStop = await until(probed, (r) => sum(r, 'relayOff') === all.length, 120_000);
    const stopConsoleCpu = ownCpuMs() - consoleCpu;
    const stopBrokerCpu = cpuOfPid(broker.pid) - brokerCpu;
    const stopCpuMs = afterStop.slice(0, fleetCount).reduce((a, r) => a + r.cpuMs, 0);
    const marks: SpeakerMarks[] = (await Promise.all(probed.map((f) => f.report(true)))).flatMap((r) => r.marks!);
    const probeMarks = marks.at(-1)!;
    const rel = (xs: (number | null)[], from: number) => xs.filter((x): x is number => x !== null).map((x) => x - from);
    const started = rel(
      marks.map((m) => m.playStartedAt),
      clickAt,
    );
    const offs = rel(
      marks.map((m) => m.relayOffAt),
      stopAt,
    );
    return {
      speakers: all.length,
      communes,
      fleets: fleetCount,
      warmupMs,
      emergency: {
        ...stats(started),
        neverStarted: all.length - started.length,
        speechMs,
        approvedAfterMs,
        publishedAfterMs: emergencyPublishedAfterMs,
        arrived: stats(
          rel(
            marks.map((m) => m.provinceArrivedAt),
            clickAt,
          ),
        ),
        accepted: stats(
          rel(
            marks.map((m) => m.provinceAcceptedAt),
            clickAt,
          ),
        ),
        areaArrived: stats(
          rel(
            marks.map((m) => m.areaArrivedAt),
            clickAt,
          ),
        ),
        areaAccepted: stats(
          rel(
            marks.map((m) => m.areaAcceptedAt),
            clickAt,
          ),
        ),
      },
      stop: {
        ...stats(offs),
        neverOff: all.length - offs.length,
        publishedAfterMs: stopPublishedAfterMs,
        arrived: stats(
          rel(
            marks.map((m) => m.stopArrivedAt ?? m.lastArrivedAt),
            stopAt,
          ),
        ),
      },
      simulator: { emergencyCpuMs, stopCpuMs, loopDelayP99Ms: loopP99, loopDelayMaxMs: loopMax },
      cpu: {
        console: { emergencyMs: Math.round(emergencyConsoleCpu), stopMs: Math.round(stopConsoleCpu) },
        broker: { emergencyMs: Math.round(emergencyBrokerCpu), stopMs: Math.round(stopBrokerCpu) },
      },
      probe: {
        emergencyMs: probeMarks.playStartedAt && probeMarks.playStartedAt - clickAt,
        stopMs: probeMarks.relayOffAt && probeMarks.relayOffAt - stopAt,
      },
      loadAverage: {
        before: loadBefore.map((x) => Math.round(x * 100) / 100),
        after: loadavg().map((x) => Math.round(x * 100) / 100),
      },
      note: '',
    };
  } finally {
    await Promise.all(probed.map((f) => f.close()));
    await console_.close();
    await broker.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(speakerRoot, { recursive: true, force: true });
  }
}

/** where the time went, from the run's own numbers */
