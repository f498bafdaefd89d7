import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { stringify } from 'yaml';
import { startBroker, parseBrokerConfig, type RunningBroker } from '../../broker/index.ts';
import { BroadcastLogExtension } from '../../collector/broadcast-log.ts';
import {
  collectorExtensions,
  parseConfig as parseCollectorConfig,
  startCollector,
  type Collector,
} from '../../collector/index.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { generateScheduleKeys } from '../../devices/schedule-signature.ts';
import { demoRegistry, type DemoSecrets } from '../../simulator/demo-registry.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { CHEAP, PASSWORD } from '../console/helpers.ts';
import { testDatabase } from '../harness/influx.ts';
import { tempDir } from '../harness/temp.ts';
import { stopChildren } from '../support/children.ts';
import { makeWav } from '../../console/audio/wav.ts';
import { apiRequest, type ApiResponse } from '../support/console-api.ts';

/** Three real communes of Tỉnh Quảng Trị (units-2025.csv), one hamlet and one speaker each. */
const PROVINCE = { code: '44', name: 'Tỉnh Quảng Trị' };
export const SPEAKERS = [
  { id: 'xa1-ap1-loa', hamlet: 'xa1-ap1', commune: '18901', communeName: 'Xã Minh Hóa' },
  { id: 'xa2-ap1-loa', hamlet: 'xa2-ap1', commune: '18904', communeName: 'Xã Dân Hóa' },
  { id: 'xa3-ap1-loa', hamlet: 'xa3-ap1', commune: '18919', communeName: 'Xã Tân Thành' },
];

/** one line of the fake player's record file */
export type PlayRecord = {
  event: 'play' | 'end';
  file: string;
  volume: number;
  startedAt: number;
  endedAt: number | null;
  stopped: boolean;
};

/**
 * Broker, collector and console in this process; each speaker a real bridge process (firmware-bridge/main.ts).
 * The signing keys are made first, as an operator would, so the registry carries every unit's broadcastKey and the
 * speakers' config is written from the registry.
 */
export class ProvinceRig {
  readonly dir = tempDir('tt-province-e2e-');
  readonly db = testDatabase('province_e2e');
  broker!: RunningBroker;
  collector!: Collector;
  console!: RunningConsole;
  secrets: DemoSecrets = {};
  readonly children: ChildProcess[] = [];

  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.broker.port}`;
  }
  get influx(): InfluxDB {
    return this.db.influx;
  }
  recordFile(id: string): string {
    return join(this.dir, `${id}.plays.jsonl`);
  }

  async start(): Promise<void> {
    const consoleDir = join(this.dir, 'console');
    mkdirSync(join(consoleDir, 'keys'), { recursive: true, mode: 0o700 });
    const keyOf = (code: string) => {
      const { privateKey } = generateScheduleKeys();
      writeFileSync(join(consoleDir, 'keys', `${code}.pem`), privateKey, { mode: 0o600 });
      return createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    };
    const { file, secrets } = await demoRegistry({
      communes: SPEAKERS.length,
      hamletsPerCommune: 1,
      countersPerCommune: 0,
      cost: CHEAP,
    });
    this.secrets = secrets;
    const province = file.provinces[0];
    Object.assign(province, { ...PROVINCE, broadcastKey: keyOf(PROVINCE.code) });
    province.communes.forEach((c, i) =>
      Object.assign(c, {
        code: SPEAKERS[i].commune,
        name: SPEAKERS[i].communeName,
        broadcastKey: keyOf(SPEAKERS[i].commune),
      }),
    );
    const yaml = stringify(file);
    const registryPath = join(this.dir, 'registry.yaml');
    writeFileSync(registryPath, yaml);
    const registry = parseRegistry(yaml);

    this.broker = await startBroker({
      config: parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath }),
      registry,
      log: silentLogger,
    });
    const extensions = collectorExtensions();
    if (!extensions.some((e) => e.name === 'broadcast-log')) extensions.push(new BroadcastLogExtension());
    this.collector = await startCollector({
      config: parseCollectorConfig({
        broker: { url: this.brokerUrl, username: 'collector', password: secrets.collector },
        influx: { url: this.db.url, database: this.db.database, rawRetention: '30d' },
        registryPath,
        spoolDir: join(this.dir, 'spool'),
      }),
      registry,
      log: silentLogger,
      clock: systemClock,
      extensions,
    });
    const httpPort = await freePort();
    const consoleUrl = `http://127.0.0.1:${httpPort}`;
    // the bridges start first: they load while the console starts, and retry until the broker lets them in
    for (const s of SPEAKERS)
      this.spawnSpeaker(
        s,
        province.broadcastKey!,
        province.communes.find((c) => c.code === s.commune)!.broadcastKey!,
        consoleUrl,
      );
    this.console = await startConsole({
      config: parseConfig({
        dataDir: consoleDir,
        registryPath,
        http: { port: httpPort, secureCookies: false },
        mqtt: { url: this.brokerUrl, username: 'console', password: secrets.console, publishTimeoutMs: 15_000 },
        influx: { url: this.db.url, database: this.db.database, pollMs: 1000 },
      }),
      registry,
      log: silentLogger,
      hashCost: CHEAP,
    });
    await this.console.subscribed;
    // the console signs with the keys the registry names
    for (const code of [PROVINCE.code, ...SPEAKERS.map((s) => s.commune)]) {
      const reg =
        code === PROVINCE.code ? province.broadcastKey : province.communes.find((c) => c.code === code)!.broadcastKey;
      if (this.console.keys.get(code)?.publicKeyDer !== reg)
        throw new Error(`console key of ${code} is not the registry's`);
    }
    const users = [
      { username: 'canbo-a', role: 'staff', communes: [SPEAKERS[0].commune] },
      { username: 'lanhdao-a', role: 'leader', communes: [SPEAKERS[0].commune] },
      { username: 'lanhdao-tinh', role: 'leader', level: 'province', unit: PROVINCE.code },
    ] as const;
    for (const u of users)
      await this.console.users.create(
        { ...u, communes: 'communes' in u ? [...u.communes] : undefined, password: PASSWORD },
        'test',
      );
  }

  private spawnSpeaker(
    s: (typeof SPEAKERS)[number],
    provinceKey: string,
    communeKey: string,
    consoleUrl: string,
  ): void {
    const config = {
      deviceId: s.id,
      broker: { url: this.brokerUrl, password: this.secrets[s.id], reconnectMinMs: 200, reconnectMaxMs: 1000 },
      dataDir: join(this.dir, s.id),
      io: { kind: 'fake' },
      heartbeatMs: 1000,
      clock: { sources: [], rtc: false, pollMs: 500 },
      outbox: { resendAfterMs: 2000 },
      units: {
        speaker: {
          commune: s.commune,
          hamlet: s.hamlet,
          schedulePublicKey: communeKey,
          upperKeys: [{ level: 'province', code: PROVINCE.code, publicKey: provinceKey }],
          relayPin: 7,
          consoleUrl,
          warmupMs: 0,
          relayHoldMs: 0,
          player: { kind: 'fake', durationMs: 'audio', recordFile: this.recordFile(s.id) },
        },
      },
    };
    const file = join(this.dir, `${s.id}.yaml`);
    writeFileSync(file, stringify(config));
    const out = openSync(
      process.env.E2E_LOG_DIR ? join(process.env.E2E_LOG_DIR, `${s.id}.log`) : join(this.dir, `${s.id}.log`),
      'a',
    );
    this.children.push(
      spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['firmware-bridge/main.ts', '--config', file], {
        cwd: process.cwd(),
        stdio: ['ignore', out, out],
        env: { ...process.env, LOG_LEVEL: 'info' },
      }),
    );
  }

  plays(id: string): PlayRecord[] {
    const f = this.recordFile(id);
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PlayRecord);
  }

  async login(username: string): Promise<string> {
    const r = await this.api(null, 'POST', '/api/session', { username, password: PASSWORD });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  }

  api(token: string | null, method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return apiRequest(this.console.url, token, method, path, body);
  }

  /** a PCM WAV (8 kHz, 16-bit, mono) of `seconds` of a quiet tone */
  wav(seconds: number): Buffer {
    const rate = 8000;
    return makeWav(
      Int16Array.from({ length: rate * seconds }, (_, i) => Math.round(800 * Math.sin((2 * Math.PI * 440 * i) / rate))),
      rate,
    );
  }

  /** a warning long enough (about a minute of speech) to be on the air when the stop comes */
  longWarning(): string {
    const line =
      'Nước sông Gianh đang lên rất nhanh, bà con các thôn ven sông đưa người già, trẻ em và tài sản lên chỗ cao, không đi qua ngầm tràn. ';
    return `Khẩn cấp. ${line.repeat(6)}`;
  }

  /** 'YYYY-MM-DDTHH:mm' in Vietnam (UTC+7 all year) of the first whole minute at least `leadMs` ahead */
  vietnamMinuteAhead(leadMs: number): { local: string; utc: string } {
    const at = Math.ceil((Date.now() + leadMs) / 60_000) * 60_000;
    return { local: new Date(at + 7 * 3_600_000).toISOString().slice(0, 16), utc: new Date(at).toISOString() };
  }

  async stop(): Promise<void> {
    await stopChildren(this.children);
    await this.console?.close();
    await this.collector?.close();
    await this.broker?.close();
  }
}
