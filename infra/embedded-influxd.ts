import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from './clock.ts';
import { LocalInfluxd } from './influxd.ts';

/**
 * The embedded default's InfluxDB, made safe against its own failures:
 * - a lock on the data folder, so a second `npm start` on the same folder stops with a clear message
 *   instead of starting a second influxd on the same files (two influxds on one folder answer the same
 *   query with different counts);
 * - an influxd left running by a start that was killed (kill -9 of node leaves its child alive) is found
 *   by its pid file and stopped gracefully (SIGTERM: it flushes its WAL) before a new one starts;
 * - the influxd is supervised: restarted with backoff when it dies, each exit and restart reported.
 */
export class DataFolderLockedError extends Error {
  readonly code = 'DATA_FOLDER_LOCKED';
}

export const LOCK_FILE = 'thanthien.lock';
export const PID_FILE = 'influxd.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Take the data folder's lock (held by this process's pid); a lock of a dead process is taken over. */
export function lockDataFolder(dir: string): { release(): void } {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: () => {
          if (readPid(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(path);
      if (holder && holder !== process.pid && alive(holder) && /\bnode\b|tsx/.test(cmdline(holder))) {
        throw new DataFolderLockedError(
          `thư mục dữ liệu ${dir} đang được một tiến trình khác dùng (pid ${holder}); hãy dừng nó trước. Nếu chắc chắn không còn tiến trình nào, xóa ${path}. (data folder locked by pid ${holder})`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DataFolderLockedError(`không lấy được khóa ${path} (data folder lock contended)`);
}

/** Stop an influxd a killed start left running on `dir` (found by its pid file and its config path). Returns its pid. */
export async function stopOrphanInfluxd(dir: string, clock: Clock = systemClock): Promise<number | undefined> {
  const pidFile = join(dir, PID_FILE);
  const pid = readPid(pidFile);
  if (!pid || !alive(pid) || !cmdline(pid).includes(join(dir, 'influxdb.conf'))) {
    if (existsSync(pidFile)) unlinkSync(pidFile);
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = clock.monotonic() + 15_000;
  while (alive(pid) && clock.monotonic() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
  rmSync(pidFile, { force: true });
  return pid;
}

export type InfluxdEvent =
  | { kind: 'orphan-stopped'; pid: number }
  | { kind: 'exited'; pid: number | undefined; restartInMs: number }
  | { kind: 'restarted'; pid: number | undefined; restarts: number }
  | { kind: 'restart-failed'; error: string; restartInMs: number };

export type SupervisorOptions = {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  stableAfterMs?: number;
  clock?: Clock;
};

/** Restarts influxd whenever it exits unasked: 0.5 s, 1 s, 2 s … up to 30 s; back to 0.5 s after a minute up. */
export class SupervisedInfluxd {
  restarts = 0;
  #stopping = false;
  #timer?: { cancel(): void };
  #backoffMs: number;
  #startedAt = 0;
  readonly #clock: Clock;

  constructor(
    readonly influxd: LocalInfluxd,
    readonly report: (event: InfluxdEvent) => void,
    readonly options: SupervisorOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#backoffMs = options.initialBackoffMs ?? 500;
  }

  get url(): string {
    return this.influxd.url;
  }

  async start(): Promise<void> {
    await this.influxd.start();
    this.#watch();
  }

  #watch(): void {
    this.#startedAt = this.#clock.monotonic();
    const pid = this.influxd.pid;
    void this.influxd.whenExited().then(() => {
      if (this.#stopping) return;
      if (this.#clock.monotonic() - this.#startedAt > (this.options.stableAfterMs ?? 60_000))
        this.#backoffMs = this.options.initialBackoffMs ?? 500;
      this.report({ kind: 'exited', pid, restartInMs: this.#backoffMs });
      this.#schedule();
    });
  }

  #schedule(): void {
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stopping) return;
      this.influxd.start().then(
        () => {
          if (this.#stopping) return void this.influxd.stop();
          this.restarts++;
          this.report({ kind: 'restarted', pid: this.influxd.pid, restarts: this.restarts });
          this.#watch();
        },
        (err: Error) => {
          if (this.#stopping) return;
          this.report({ kind: 'restart-failed', error: err.message, restartInMs: this.#backoffMs });
          this.#schedule();
        },
      );
    }, wait);
  }

  /** from now on an exit is expected (the system is stopping): no restart */
  stopSupervising(): void {
    this.#stopping = true;
    this.#timer?.cancel();
  }

  async stop(): Promise<void> {
    this.stopSupervising();
    await this.influxd.stop();
    if (this.influxd.options.pidFile) rmSync(this.influxd.options.pidFile, { force: true });
  }
}

/**
 * The embedded default's influxd: stop an orphan of a killed start, then start it supervised (the port is
 * chosen after the orphan is gone, so its port is free again). The caller holds the folder lock.
 */
export async function startEmbeddedInfluxd(opts: {
  dir: string;
  httpPort?: () => Promise<number>;
  report: (event: InfluxdEvent) => void;
  supervisor?: SupervisorOptions;
}): Promise<SupervisedInfluxd> {
  const orphan = await stopOrphanInfluxd(opts.dir, opts.supervisor?.clock);
  if (orphan) opts.report({ kind: 'orphan-stopped', pid: orphan });
  const influxd = new LocalInfluxd({
    dir: opts.dir,
    ...(opts.httpPort ? { httpPort: await opts.httpPort() } : {}),
    log: true,
    pidFile: join(opts.dir, PID_FILE),
  });
  const supervised = new SupervisedInfluxd(influxd, opts.report, opts.supervisor);
  await supervised.start();
  return supervised;
}
