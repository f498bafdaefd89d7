import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { Daemon } from './daemon.ts';
import { freePort } from './ports.ts';

/**
 * A local redis-server (Debian's `redis-server` package) on a free loopback port with its own data
 * folder: the tests' and benchmarks' shared store of the broker nodes. Never the system service.
 * Append-only file on, so a stopped and restarted server (same dir, same port) keeps its sessions.
 */
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export class LocalRedis {
  #daemon?: Daemon;
  port = 0;

  constructor(readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#daemon?.proc.pid;
  }

  async start(): Promise<void> {
    if (!existsSync(REDIS_SERVER))
      throw new Error(`redis-server not found at ${REDIS_SERVER}: run scripts/install-system-deps.sh test`);
    mkdirSync(this.dir, { recursive: true });
    this.port ||= await freePort();
    const proc = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--protected-mode',
        'yes',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    this.#daemon = new Daemon('redis-server', proc);
    await this.#daemon.untilReady(() => ping(this.port), 'ready');
  }

  async stop(): Promise<void> {
    await this.#daemon?.stop();
  }
}

/** true once the server answers PING with PONG */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.setTimeout(1000, () => s.destroy());
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('PONG')) {
        s.end();
        resolve(true);
      }
    });
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(buf.includes('PONG')));
  });
}
