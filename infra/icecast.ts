import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/**
 * Debian's icecast2 on a loopback port with its own config in a data folder: the console's live-stream server,
 * and the test "station" for relays. Listeners get no burst on connect (live latency) and are dropped when a
 * source leaves (a speaker sees a gap and reconnects).
 */
export type IcecastOptions = {
  dir: string;
  port?: number;
  host?: string;
  sourcePassword: string;
  adminPassword: string;
  bin?: string;
  /** bytes kept per listener before a slow one is dropped */
  queueBytes?: number;
  /**
   * Supervise it: started again on its port when it dies (0.5 s, doubling up to 10 s), each exit and start
   * reported here. The live feeders and the speakers reconnect to it by themselves.
   */
  supervise?: (event: string) => void;
  /** how long one start may take to answer HTTP before it is killed and made again (10 s) */
  answerWithinMs?: number;
};

export type RunningIcecast = {
  url: string;
  port: number;
  sourceUrl(mount: string): string;
  close(): Promise<void>;
  /** the icecast2 process running now (a supervised one is replaced when it dies) */
  readonly process: ChildProcess;
  /** at shutdown: a Ctrl-C reaches icecast2 too, and its exit then is no crash to restart */
  stopSupervising(): void;
  /** icecast's own error log (sources and listeners coming and going, at loglevel 3) */
  errorLog: string;
};

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** ffmpeg's output arguments for an MP3 source on a mount: each packet sent as it is encoded (no burst of buffered audio) */
export const icecastMp3Output = (bitrate: string, sourceUrl: string) => [
  '-c:a',
  'libmp3lame',
  '-b:a',
  bitrate,
  '-flush_packets',
  '1',
  '-content_type',
  'audio/mpeg',
  '-f',
  'mp3',
  sourceUrl,
];

export function icecastConfig(
  o: Required<Omit<IcecastOptions, 'bin' | 'supervise' | 'answerWithinMs'>> & { logDir: string; root: boolean },
): string {
  // icecast refuses to run as root: it drops to nobody itself (<changeowner>) when started by root
  const changeowner = o.root ? '<changeowner><user>nobody</user><group>nogroup</group></changeowner>' : '';
  return `<icecast>
  <location>thanthien</location><admin>root@localhost</admin>
  <limits><clients>1000</clients><sources>50</sources><queue-size>${o.queueBytes}</queue-size><client-timeout>30</client-timeout>
    <header-timeout>5</header-timeout><source-timeout>10</source-timeout><burst-on-connect>0</burst-on-connect><burst-size>0</burst-size></limits>
  <authentication><source-password>${xmlEscape(o.sourcePassword)}</source-password><admin-user>admin</admin-user>
    <admin-password>${xmlEscape(o.adminPassword)}</admin-password></authentication>
  <hostname>${o.host}</hostname>
  <listen-socket><port>${o.port}</port><bind-address>${o.host}</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>${xmlEscape(o.logDir)}</logdir><webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>-</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>${changeowner}</security>
</icecast>
`;
}

/** what a start attempt came to: answering, exited (with its stderr), or alive and silent */
type Readiness = { kind: 'ready' } | { kind: 'exited'; why: string } | { kind: 'silent'; why: string };

const ATTEMPTS = 3;

/** the end of icecast's error log and the kernel's view of the process: why a start did not answer */
function diagnose(child: ChildProcess, logDir: string): string {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const status = read(`/proc/${child.pid}/status`).match(/^State:\s*(.*)$/m)?.[1] ?? 'unknown';
  const wchan = read(`/proc/${child.pid}/wchan`) || 'unknown';
  const log = read(join(logDir, 'error.log')).trim().split('\n').slice(-5).join(' | ');
  return `process state ${status}, waiting in ${wchan}; error.log: ${log || '(empty)'}`;
}

export async function startIcecast(o: IcecastOptions): Promise<RunningIcecast> {
  const host = o.host ?? '127.0.0.1';
  let port = o.port ?? (await freePort());
  mkdirSync(o.dir, { recursive: true });
  const root = process.getuid?.() === 0;
  // started by root, icecast drops to nobody, who may not reach a folder inside a 0700 data folder:
  // its log folder is then a world-writable temp folder of its own
  const logDir = root ? mkdtempSync(join(tmpdir(), 'tt-icecast-log-')) : join(o.dir, 'log');
  mkdirSync(logDir, { recursive: true });
  if (root) chmodSync(logDir, 0o777);
  const configPath = join(o.dir, 'icecast.xml');
  const writeConfig = () =>
    writeFileSync(
      configPath,
      icecastConfig({
        dir: o.dir,
        port,
        host,
        sourcePassword: o.sourcePassword,
        adminPassword: o.adminPassword,
        queueBytes: o.queueBytes ?? 262_144,
        logDir,
        root,
      }),
      { mode: 0o644 },
    );
  let stderr = '';
  const spawnIcecast = () => {
    stderr = '';
    const c = spawn(o.bin ?? '/usr/bin/icecast2', ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    return c;
  };
  // ready once it answers HTTP
  const readiness = async (c: ChildProcess, url: string): Promise<Readiness> => {
    const deadline = Date.now() + (o.answerWithinMs ?? 10_000);
    const exited = new Promise<Readiness>((resolve) => {
      const done = () => resolve({ kind: 'exited', why: stderr.trim() });
      if (c.exitCode !== null || c.signalCode !== null) done();
      else c.once('exit', done);
    });
    const answered = async (): Promise<Readiness | null> => {
      try {
        const r = await fetch(`${url}/status-json.xsl`, { signal: AbortSignal.timeout(1_000) });
        await r.arrayBuffer();
        return { kind: 'ready' };
      } catch {
        return null;
      }
    };
    for (;;) {
      const r = await Promise.race([answered(), exited]);
      if (r) return r;
      if (Date.now() > deadline) return { kind: 'silent', why: `${stderr.trim()}; ${diagnose(c, logDir)}` };
      await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
    }
  };
  // A start that exits (its port taken since it was chosen) or stays silent is killed and made again, on a
  // fresh port when the caller did not fix one; each retry is said on the console, the last failure thrown.
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    writeConfig();
    child = spawnIcecast();
    const url = `http://${host}:${port}`;
    const r = await readiness(child, url);
    if (r.kind === 'ready') break;
    if (r.kind === 'silent') {
      const c = child;
      await new Promise<void>((done) => {
        if (c.exitCode !== null || c.signalCode !== null) return done();
        c.once('exit', () => done());
        c.kill('SIGKILL');
      });
    }
    const what = r.kind === 'exited' ? `icecast2 exited: ${r.why}` : `icecast2 did not answer on ${url}: ${r.why}`;
    if (attempt >= ATTEMPTS) {
      if (root) rmSync(logDir, { recursive: true, force: true });
      throw new Error(`${what} (attempt ${attempt} of ${ATTEMPTS})`);
    }
    if (o.port === undefined) port = await freePort();
    console.warn(`${what}: starting it again on port ${port} (attempt ${attempt + 1} of ${ATTEMPTS})`);
  }
  const url = `http://${host}:${port}`;
  let closing = false;
  let backoffMs = 500;
  let restartTimer: NodeJS.Timeout | null = null;
  const watch = (c: ChildProcess) => {
    const startedAt = Date.now();
    c.once('exit', (code, signal) => {
      if (closing || !o.supervise) return;
      if (Date.now() - startedAt > 60_000) backoffMs = 500;
      o.supervise(`icecast2 exited (${signal ?? code}): restarting in ${backoffMs} ms ${stderr.trim()}`.trim());
      restartTimer = setTimeout(() => {
        restartTimer = null;
        if (closing) return;
        child = spawnIcecast();
        o.supervise?.(`icecast2 started again (pid ${child.pid})`);
        watch(child);
      }, backoffMs);
      backoffMs = Math.min(10_000, backoffMs * 2);
    });
  };
  watch(child);
  return {
    url,
    port,
    get process() {
      return child;
    },
    errorLog: join(logDir, 'error.log'),
    sourceUrl: (mount) => `icecast://source:${encodeURIComponent(o.sourcePassword)}@${host}:${port}${mount}`,
    stopSupervising() {
      closing = true;
      if (restartTimer) clearTimeout(restartTimer);
    },
    async close() {
      closing = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(t);
      }
      if (root) rmSync(logDir, { recursive: true, force: true });
    },
  };
}
