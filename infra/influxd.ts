import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/**
 * A local InfluxDB 1.x (Debian's `influxdb` package) that this system starts and stops itself:
 * for the embedded default (`npm start`) and for the test suites. Data lives in `dir`; the same
 * dir can be stopped and started again (outage tests) and keeps its data.
 */
export const INFLUXD = process.env.INFLUXD_BIN ?? '/usr/bin/influxd';
export const INSTALL_COMMAND = 'apt-get update && apt-get install -y influxdb';

export class InfluxdMissingError extends Error {
  readonly code = 'INFLUXD_MISSING';
}

/** Installs Debian's influxdb when missing and we are root; otherwise explains exactly what to run. */
export function ensureInfluxdInstalled(log: (line: string) => void = console.log): void {
  if (existsSync(INFLUXD)) return;
  if (process.getuid?.() !== 0) {
    throw new InfluxdMissingError(
      `InfluxDB (influxd) chưa được cài. Hãy chạy với quyền root:\n  sudo sh -c '${INSTALL_COMMAND}'`,
    );
  }
  log(`influxd not found: installing Debian's influxdb (${INSTALL_COMMAND})`);
  const r = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${INSTALL_COMMAND} >/dev/null`], {
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(INFLUXD))
    throw new InfluxdMissingError(`cài influxdb thất bại; hãy chạy: ${INSTALL_COMMAND}`);
}

export type InfluxdOptions = {
  dir: string;
  httpPort?: number;
  rpcPort?: number;
  log?: boolean;
  /** written with influxd's pid while it runs, so a later start can find an orphan (embedded-influxd.ts) */
  pidFile?: string;
};

export class LocalInfluxd {
  #proc?: ChildProcess;
  #exited?: Promise<void>;
  httpPort = 0;
  rpcPort = 0;

  constructor(readonly options: InfluxdOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get running(): boolean {
    return !!this.#proc && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { dir } = this.options;
    this.httpPort ||= this.options.httpPort ?? (await freePort());
    this.rpcPort ||= this.options.rpcPort ?? (await freePort());
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'influxdb.conf');
    writeFileSync(
      conf,
      [
        'reporting-enabled = false',
        `bind-address = "127.0.0.1:${this.rpcPort}"`,
        '[meta]',
        `  dir = "${join(dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dir, 'data')}"`,
        `  wal-dir = "${join(dir, 'wal')}"`,
        '  query-log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${this.httpPort}"`,
        '  log-enabled = false',
        '[continuous_queries]',
        '  log-enabled = false',
        '  run-interval = "1s"',
        '',
      ].join('\n'),
    );
    const out = this.options.log ? openSync(join(dir, 'influxd.log'), 'a') : 'ignore';
    const proc = spawn(INFLUXD, ['-config', conf], { stdio: ['ignore', out, out] });
    this.#proc = proc;
    this.#exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    if (this.options.pidFile && proc.pid) writeFileSync(this.options.pidFile, `${proc.pid}\n`);
    await this.#waitReady();
  }

  get pid(): number | undefined {
    return this.running ? this.#proc?.pid : undefined;
  }

  /** resolves when the current influxd process exits (for whatever reason) */
  whenExited(): Promise<void> {
    return this.#exited ?? Promise.resolve();
  }

  async #waitReady(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (!this.running) throw new Error(`influxd exited during start (see ${this.options.dir})`);
      try {
        const res = await fetch(`${this.url}/ping`);
        if (res.status === 204) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('influxd did not answer /ping within 30 s');
  }

  /** Graceful stop (SIGTERM), or a crash (SIGKILL) for outage tests. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.#proc || !this.running) return;
    this.#proc.kill(signal);
    const timer = setTimeout(() => this.#proc?.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
