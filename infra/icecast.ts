import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  o: Required<Omit<IcecastOptions, 'bin' | 'supervise'>> & { logDir: string; root: boolean },
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

export async function startIcecast(o: IcecastOptions): Promise<RunningIcecast> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort());
  mkdirSync(o.dir, { recursive: true });
  const root = process.getuid?.() === 0;
  // started by root, icecast drops to nobody, who may not reach a folder inside a 0700 data folder:
  // its log folder is then a world-writable temp folder of its own
  const logDir = root ? mkdtempSync(join(tmpdir(), 'tt-icecast-log-')) : join(o.dir, 'log');
  mkdirSync(logDir, { recursive: true });
  if (root) chmodSync(logDir, 0o777);
  const configPath = join(o.dir, 'icecast.xml');
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
  const url = `http://${host}:${port}`;
  let stderr = '';
  const spawnIcecast = () => {
    const c = spawn(o.bin ?? '/usr/bin/icecast2', ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    return c;
  };
  let child = spawnIcecast();
  // ready once it answers HTTP
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`icecast2 exited: ${stderr.trim()}`);
    try {
      const r = await fetch(`${url}/status-json.xsl`, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        if (root) rmSync(logDir, { recursive: true, force: true });
        throw new Error(`icecast2 did not answer on ${url}: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
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
