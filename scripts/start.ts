/**
 * The embedded default (`npm start`): a local influxd this script manages, the broker, the collector, the
 * console and a simulated province (real communes of demo-province.ts, 90 days of history), all on this machine. Data lives in ./.data (TT_DATA_DIR).
 * Ctrl-C stops everything cleanly; the next start keeps the data, the registry and the accounts.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { ensureDownsampling } from '../collector/downsampling.ts';
import { parseBrokerConfig, startBroker } from '../broker/index.ts';
import { collectorExtensions, parseConfig as parseCollectorConfig, startCollector } from '../collector/index.ts';
import { parseConfig as parseConsoleConfig, startConsole } from '../console/index.ts';
import { loadRegistry } from '../devices/registry/index.ts';
import { startSimulatedCommune } from '../simulator/commune.ts';
import { demoRegistry } from '../simulator/demo-registry.ts';
import { writeDemoHistory } from '../simulator/demo-history.ts';
import { DEMO_PROVINCE, DEMO_UNITS } from '../devices/fixtures/demo-province.ts';
import { publishHistory } from '../simulator/history.ts';
import { ensureDemoAccounts } from './demo-accounts.ts';
import { systemClock } from '../infra/clock.ts';
import {
  DataFolderLockedError,
  lockDataFolder,
  startEmbeddedInfluxd,
  type InfluxdEvent,
} from '../infra/embedded-influxd.ts';
import { ensureInfluxdInstalled, InfluxdMissingError } from '../infra/influxd.ts';
import { createLogger } from '../infra/logger.ts';
import { freePort } from '../infra/ports.ts';
import { startIcecast } from '../infra/icecast.ts';
import { randomBytes } from 'node:crypto';
import { runService, type RunningService } from '../infra/service.ts';

const log = createLogger('thanthien', process.env.LOG_LEVEL ?? 'warn');
const dataDir = resolve(process.env.TT_DATA_DIR ?? '.data');
const say = (line = '') => process.stdout.write(`${line}\n`);

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer()
      .once('error', () => void freePort().then(res))
      .listen(preferred, '127.0.0.1', () => s.close(() => res(preferred)));
  });
}

/** The demo registry and its secrets (device, service and console passwords), made once and kept. */
async function demoSetup(): Promise<{ registryPath: string; secrets: Record<string, string>; fresh: boolean }> {
  const registryPath = join(dataDir, 'registry.yaml');
  const secretsPath = join(dataDir, 'secrets.json');
  if (existsSync(registryPath) && existsSync(secretsPath))
    return { registryPath, secrets: JSON.parse(readFileSync(secretsPath, 'utf8')), fresh: false };
  const { yaml, secrets } = await demoRegistry({ units: DEMO_UNITS, province: DEMO_PROVINCE });
  writeFileSync(registryPath, yaml);
  writeFileSync(secretsPath, JSON.stringify(secrets, null, 2));
  chmodSync(secretsPath, 0o600);
  return { registryPath, secrets, fresh: true };
}

/** one `npm start` per data folder: a second one would start a second influxd on the same files */
function takeDataFolderLock(): { release(): void } {
  try {
    return lockDataFolder(dataDir);
  } catch (err) {
    if (err instanceof DataFolderLockedError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

function reportInfluxd(event: InfluxdEvent): void {
  if (event.kind === 'orphan-stopped')
    say(`Đã dừng influxd mồ côi của lần chạy trước (stopped an orphan influxd, pid ${event.pid})`);
  else if (event.kind === 'exited')
    log.error({ pid: event.pid, restartInMs: event.restartInMs }, 'influxd exited: restarting');
  else if (event.kind === 'restarted') log.warn({ pid: event.pid, restarts: event.restarts }, 'influxd restarted');
  else log.error({ err: event.error, restartInMs: event.restartInMs }, 'influxd restart failed');
}

async function start(): Promise<RunningService> {
  mkdirSync(dataDir, { recursive: true });
  // InfluxDB and espeak-ng come from Debian; installed when missing (as root), else a clear message
  const deps = spawnSync('bash', [join(import.meta.dirname, 'install-system-deps.sh'), 'runtime'], {
    stdio: 'inherit',
  });
  if (deps.status !== 0) process.exit(1);
  try {
    ensureInfluxdInstalled(say);
  } catch (err) {
    if (err instanceof InfluxdMissingError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const lock = takeDataFolderLock();
  const influxd = await startEmbeddedInfluxd({
    dir: join(dataDir, 'influxdb'),
    httpPort: () => portOr(8086),
    report: reportInfluxd,
  });
  const { registryPath, secrets, fresh } = await demoSetup();
  const registry = loadRegistry(registryPath);

  const broker = await startBroker({
    config: parseBrokerConfig({ host: '127.0.0.1', port: await portOr(1883), registryPath }),
    registry,
    log: log.child({ service: 'broker' }),
  });
  const brokerUrl = `mqtt://127.0.0.1:${broker.port}`;
  const database = 'thanthien';
  const collectorConfig = parseCollectorConfig({
    broker: { url: brokerUrl, username: 'collector', password: secrets.collector },
    influx: { url: influxd.url, database },
    registryPath,
    spoolDir: join(dataDir, 'collector-spool'),
  });
  const collector = await startCollector({
    config: collectorConfig,
    registry,
    log: log.child({ service: 'collector' }),
    clock: systemClock,
    extensions: collectorExtensions(collectorConfig),
    setup: [
      (influx, db) =>
        ensureDownsampling(influx, db, { rawRetention: collectorConfig.influx.rawRetention }).then(() => undefined),
    ],
  });
  // live broadcasts ("Phát trực tiếp"): a local icecast2 the console feeds and the simulated speakers listen to;
  // its passwords are made once and kept with the other secrets
  for (const k of ['icecast:source', 'icecast:admin']) secrets[k] ??= randomBytes(12).toString('base64url');
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets, null, 2), { mode: 0o600 });
  const icecast = await startIcecast({
    dir: join(dataDir, 'icecast'),
    port: await portOr(8000),
    sourcePassword: secrets['icecast:source'],
    adminPassword: secrets['icecast:admin'],
    // restarted when it dies: live sessions and the speakers reconnect to it by themselves
    supervise: (event) => say(`Icecast2: ${event}`),
  });
  const profiles = new Map(DEMO_UNITS.map((u) => [u.code, u]));
  // the least reliable commune's first box is a silent box: nobody's ratings arrive from it
  const flaky = [...DEMO_UNITS].sort((a, b) => a.reliability - b.reliability)[0];
  const silentBoxes = new Set(
    registry
      .allCommunes()
      .filter((p) => p.commune.code === flaky.code)
      .flatMap((p) =>
        p.commune.devices
          .filter((d) => d.kind === 'rating-box')
          .slice(0, 1)
          .map((d) => d.id),
      ),
  );
  // the bulk history before the console: it preloads the closed days' counts at its start and keeps them
  const t0 = Date.now();
  const recentMs = 3 * 3600_000;
  let h = { ratings: 0, points: 0 };
  if (fresh) {
    say('Đang nạp 90 ngày dữ liệu mẫu (loading 90 days of history: ratings, presence, cameras, broadcasts)…');
    h = await writeDemoHistory({
      registry,
      influxUrl: influxd.url,
      database,
      profiles,
      silentBoxes,
      silentDays: 7,
      from: t0 - 90 * 86_400_000,
      to: t0 - recentMs,
    });
  }
  const consoleConfig = parseConsoleConfig({
    dataDir: join(dataDir, 'console'),
    registryPath,
    http: { host: '127.0.0.1', port: await portOr(8080), secureCookies: false },
    mqtt: { url: brokerUrl, username: 'console', password: secrets.console },
    influx: { url: influxd.url, database },
    live: { icecastUrl: icecast.url, sourcePassword: secrets['icecast:source'] },
  });
  const console_ = await startConsole({ config: consoleConfig, registry, log: log.child({ service: 'console' }) });
  const accounts = await ensureDemoAccounts(console_.users, registry, secrets, join(dataDir, 'secrets.json'));

  if (fresh) {
    // the last hours through the real path (broker → collector → ack), as boxes back from a long offline spell
    const n = await publishHistory({
      registry,
      secrets,
      brokerUrl,
      days: recentMs / 86_400_000,
      to: t0,
      skip: silentBoxes,
      quality: (id) => profiles.get(registry.device(id)?.commune.code ?? '')?.quality,
    });
    say(
      `  ${h.ratings} đánh giá và ${h.points} điểm dữ liệu đã nạp, ${n} đánh giá qua broker (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  // one local TCP port answers for every registered camera: the boxes' probes find their cameras up
  const cameraServer = await new Promise<import('node:net').Server>((res) => {
    const srv = createServer((sock) => sock.end()).listen(0, '127.0.0.1', () => res(srv));
  });
  const cameraPort = (cameraServer.address() as { port: number }).port;
  const publicKeys = new Map([...console_.keys].map(([code, key]) => [code, key.publicKeyDer]));
  const sim = await startSimulatedCommune({
    registry,
    secrets,
    brokerUrl,
    consoleUrl: console_.url,
    publicKeys,
    dataDir: join(dataDir, 'devices'),
    log: log.child({ service: 'simulator' }),
    profiles,
    silentBoxes,
    cameraPort,
    // relays of the province's approved stations, and live sessions, decoded by ffmpeg into the devices' folders
    stream: { stationKeys: [console_.stations.publicKeyPem], rate: 8000 },
  });

  say('');
  say('Hệ thống đang chạy (the system is running):');
  say(`  Bảng điều khiển xã (console):  ${console_.url}`);
  // province and first communes' accounts here; every account and password is in secrets.json
  const shown = accounts
    .filter((a) => a.level !== 'commune')
    .concat(accounts.filter((a) => a.level === 'commune').slice(0, 4));
  for (const a of shown)
    say(`      ${a.username.padEnd(16)} / ${secrets[`console:${a.username}`].padEnd(10)} ${a.what}`);
  if (shown.length < accounts.length)
    say(
      `      … và ${accounts.length - shown.length} tài khoản xã khác (canbo-<xã>, lanhdao-<xã>) trong ${join(dataDir, 'secrets.json')}`,
    );
  say(
    `  MQTT broker:                   ${brokerUrl}  (${registry.devices.size} thiết bị, mật khẩu trong ${join(dataDir, 'secrets.json')})`,
  );
  say(
    `  Icecast2 (phát trực tiếp):     ${icecast.url}  (loa mô phỏng ghi âm thanh nhận được vào ${join(dataDir, 'devices')})`,
  );
  say(
    `  InfluxDB:                      ${influxd.url}  database "${database}" (dữ liệu: ${join(dataDir, 'influxdb')})`,
  );
  say(`  Thiết bị mô phỏng:             ${sim.boxes.length} hộp đánh giá, ${sim.speakers.length} loa`);
  say('');
  say('Ví dụ truy vấn (example query): số đánh giá theo mức trong 24 giờ qua');
  say(`  curl -sG ${influxd.url}/query --data-urlencode db=${database} \\`);
  say(`    --data-urlencode "q=SELECT count(value) FROM rating WHERE time > now() - 24h GROUP BY level"`);
  say('');
  say('Dashboards Grafana: dashboards/README.md. Nhấn Ctrl-C để dừng (press Ctrl-C to stop).');

  // package.json runs this as `exec node --import tsx`: one process under npm (no shell, no tsx parent that
  // would SIGKILL us when a relayed signal is not confirmed within 30 ms), so npm's forwarded SIGINT/SIGTERM
  // and a terminal's Ctrl-C both reach the runner's handlers (a repeat within seconds is the same press)
  return {
    async stop() {
      say('\nĐang dừng… (stopping)');
      influxd.stopSupervising(); // Ctrl-C reaches influxd too: its exit now is no crash to restart
      icecast.stopSupervising();
      await sim.stop();
      cameraServer.close();
      await console_.close();
      await collector.close();
      await broker.close();
      await icecast.close();
      await influxd.stop();
      lock.release();
      say('Đã dừng (stopped).');
    },
  };
}

void runService(
  {
    name: 'thanthien',
    usage: 'npm start   (dữ liệu trong TT_DATA_DIR, mặc định ./.data)',
    start,
    stopTimeoutMs: 120_000,
  },
  { log },
);
