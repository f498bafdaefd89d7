import { spawn, type ChildProcess } from 'node:child_process';
import { icecastMp3Output } from '../../infra/icecast.ts';

/**
 * One live session's encoder: the browser's MediaRecorder chunks (WebM/Opus) go into ffmpeg's stdin, which
 * decodes them as they come and feeds an MP3 stream to the session's icecast2 mount. Only the console holds
 * the icecast source password, so only an authorized console session can put sound on a mount.
 *
 * The mount must outlive what can go wrong under it: icecast drops a source that sent nothing for its
 * source-timeout (a stalled uplink, a stalled event loop), icecast itself can restart, ffmpeg can die or hang.
 * So the encoder is supervised: when it exits (or stops giving output while input arrives) a fresh one is
 * started on the same mount, with a backoff, and is given the stream's WebM header again followed by the input
 * from the next cluster on (a decoder cannot start in the middle of a cluster). Speakers see a gap and reconnect.
 */
export type FeedState = {
  /** connecting: no output yet; on-air: the mount is receiving; reconnecting: the encoder is being restarted */
  state: 'connecting' | 'on-air' | 'reconnecting' | 'ended';
  restarts: number;
  /** why the last encoder went away */
  detail: string | null;
};

export type FeederOptions = {
  ffmpeg: string;
  sourceUrl: string;
  onState?(state: FeedState): void;
  /** first wait before a restart; doubles up to restartMaxMs, back to the first once on air again */
  restartMinMs?: number;
  restartMaxMs?: number;
  /**
   * input arrives but the encoder wrote nothing for this long: it is stuck and is restarted. Longer than icecast's
   * source-timeout (10 s): a mount that only stalls under load is left to icecast, which keeps or drops it
   */
  stuckMs?: number;
};

/** the EBML id of a Matroska/WebM cluster: where a fresh decoder may start */
const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);
/** past this, what came before the first cluster is not a header (nothing to replay) */
const HEADER_MAX = 256 * 1024;
/** written to the mount before it counts as on air (more than the muxer's header: ~0.3 s of 48 kbit/s MP3) */
const ON_AIR_BYTES = 2048;
/** an encoder whose stdin holds this much unread input is stuck */
const BACKLOG_MAX = 1024 * 1024;

export class LiveFeeder {
  private child: ChildProcess | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly watchdog: NodeJS.Timeout;
  private backoffMs: number;
  /** the WebM header (everything before the first cluster), once seen */
  private header: Buffer | null = null;
  private headerParts: Buffer[] = [];
  private headerBytes = 0;
  /** a restarted encoder waits for the next cluster; `tail` keeps a cluster id split across two chunks */
  private syncing = false;
  private tail = Buffer.alloc(0);
  /** the first input the encoder was given since its last output (null: it is keeping up) */
  private waitingSince: number | null = null;
  private outputBytes = 0;
  readonly status: FeedState = { state: 'connecting', restarts: 0, detail: null };
  /** what the supervisor did, newest last (the last 40): for logs and the benchmark's debug output */
  readonly events: string[] = [];
  bytesIn = 0;

  constructor(private readonly opts: FeederOptions) {
    this.backoffMs = opts.restartMinMs ?? 250;
    this.spawn();
    this.watchdog = setInterval(() => this.checkStuck(), 1_000);
    this.watchdog.unref();
  }

  /** the encoder's process id (tests kill it to prove the feed comes back) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  write(chunk: Buffer): void {
    if (this.stopped) return;
    this.bytesIn += chunk.length;
    if (this.header === null) this.learnHeader(chunk);
    const c = this.child;
    if (!c || c.exitCode !== null) return; // restarting: live input that cannot be heard is dropped
    let data = chunk;
    if (this.syncing) {
      const joined = Buffer.concat([this.tail, chunk]);
      const at = joined.indexOf(CLUSTER_ID);
      if (at < 0) {
        this.tail = joined.subarray(Math.max(0, joined.length - (CLUSTER_ID.length - 1)));
        return;
      }
      this.syncing = false;
      this.tail = Buffer.alloc(0);
      data = joined.subarray(at);
      this.note('input resumed at a cluster');
    }
    if (c.stdin!.writableLength > BACKLOG_MAX) {
      this.restart(c, 'encoder not reading its input');
      return;
    }
    this.waitingSince ??= Date.now();
    c.stdin!.write(data);
  }

  /** the mount goes away: speakers hear the end at once */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.setState('ended', this.status.detail);
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    c.stdin!.end();
    const t = setTimeout(() => c.kill('SIGKILL'), 1_500);
    t.unref();
    c.once('close', () => clearTimeout(t));
  }

  private note(event: string): void {
    this.events.push(`${new Date().toISOString().slice(11, 23)} ${event}`);
    if (this.events.length > 40) this.events.shift();
  }

  private learnHeader(chunk: Buffer): void {
    this.headerParts.push(chunk);
    this.headerBytes += chunk.length;
    const seen = Buffer.concat(this.headerParts);
    const at = seen.indexOf(CLUSTER_ID);
    if (at >= 0) this.header = seen.subarray(0, at);
    else if (this.headerBytes > HEADER_MAX) this.header = Buffer.alloc(0);
    else return;
    this.headerParts = [];
  }

  private spawn(): void {
    const c = spawn(
      this.opts.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        // how many bytes went to the mount, twice a second: the feed is known to be on air
        '-progress',
        'pipe:1',
        '-stats_period',
        '0.5',
        // decode as the chunks arrive: no probing of seconds of input before the first frame
        '-fflags',
        'nobuffer',
        '-flags',
        'low_delay',
        '-probesize',
        '32',
        '-analyzeduration',
        '0',
        '-f',
        'webm',
        '-i',
        'pipe:0',
        '-ac',
        '1',
        '-ar',
        '22050',
        ...icecastMp3Output('48k', this.opts.sourceUrl),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = c;
    this.note(`encoder started (pid ${c.pid})`);
    this.waitingSince = null;
    this.outputBytes = 0;
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    c.stdout!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/total_size=(\d+)/g)) {
        const n = Number(m[1]);
        if (n <= this.outputBytes) continue;
        this.outputBytes = n;
        this.waitingSince = null;
        if (this.child === c && this.status.state !== 'on-air' && !this.stopped && n >= ON_AIR_BYTES) {
          this.note(`on air (${n} bytes out)`);
          this.backoffMs = this.opts.restartMinMs ?? 250;
          this.setState('on-air', this.status.detail);
        }
      }
    });
    c.stdin!.on('error', () => undefined);
    c.on('error', (err) => (stderr = err.message));
    c.on('close', (code, signal) => {
      if (this.child !== c || this.stopped) return;
      const why = signal ? `ffmpeg killed (${signal})` : `ffmpeg exit ${code}`;
      this.note(`${why}: ${stderr.trim().slice(0, 120)}`);
      this.scheduleRestart(stderr.trim() ? `${why}: ${stderr.trim()}` : why);
    });
  }

  private restart(c: ChildProcess, detail: string): void {
    if (this.child !== c) return;
    this.note(`killed: ${detail}`);
    this.child = null;
    c.kill('SIGKILL');
    this.scheduleRestart(detail);
  }

  private scheduleRestart(detail: string): void {
    this.child = null;
    this.setState('reconnecting', detail.slice(0, 300));
    if (this.restartTimer) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.opts.restartMaxMs ?? 2_000, this.backoffMs * 2);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.status.restarts++;
      this.spawn();
      // a fresh decoder needs the stream's header, then whole clusters
      if (this.header && this.header.length > 0) {
        this.child!.stdin!.write(this.header);
        this.syncing = true;
        this.tail = Buffer.alloc(0);
      } else if (this.headerParts.length) {
        this.child!.stdin!.write(Buffer.concat(this.headerParts));
      }
    }, wait);
  }

  /** input keeps coming but nothing goes out: a hung encoder (or a mount that stopped taking bytes) */
  private checkStuck(): void {
    const c = this.child;
    if (!c || this.stopped) return;
    const waited = this.waitingSince === null ? 0 : Date.now() - this.waitingSince;
    if (waited > (this.opts.stuckMs ?? 12_000))
      this.restart(c, `no output for ${Math.round(waited / 1000)} s while input arrived`);
  }

  private setState(state: FeedState['state'], detail: string | null): void {
    if (this.status.state === state && this.status.detail === detail) return;
    this.status.state = state;
    this.status.detail = detail;
    this.opts.onState?.({ ...this.status });
  }
}
