import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Daemon } from './daemon.ts';
import { freePort } from './ports.ts';

/**
 * A local haproxy (Debian's `haproxy` package) in TCP mode in front of broker nodes: the tests'
 * and benchmarks' balancer, started on a free port with its config in a temp folder.
 * deploy/haproxy.cfg is the production picture of the same settings.
 */
export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

export type BackendNode = { name: string; port: number; host?: string; backup?: boolean };

export type HaproxyOptions = {
  dir: string;
  nodes: BackendNode[];
  /** 'first' fills the first node before the next (deterministic tests); 'leastconn' in deployments */
  balance?: 'leastconn' | 'roundrobin' | 'first';
  /** health-check interval: a dead node is taken out after one failed check */
  checkIntervalMs?: number;
  maxconn?: number;
  /** start each connection (and health check) with a PROXY v2 header naming the device (broker proxyProtocol) */
  sendProxy?: boolean;
};

/** The haproxy.cfg text for broker nodes (also what deploy/haproxy.cfg documents). */
export function haproxyConfig(port: number, o: Omit<HaproxyOptions, 'dir'>): string {
  const inter = o.checkIntervalMs ?? 500;
  const maxconn = o.maxconn ?? 2_000; // each connection costs haproxy two descriptors: the bench raises it with ulimit -n
  return [
    'global',
    `  maxconn ${maxconn + 100}`,
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    // MQTT keepalive is at most a few minutes: idle device connections must not be cut before it
    '  timeout client 15m',
    '  timeout server 15m',
    '  retries 3',
    '  option redispatch',
    'frontend mqtt',
    `  bind 127.0.0.1:${port}`,
    `  maxconn ${maxconn}`,
    '  default_backend brokers',
    'backend brokers',
    `  balance ${o.balance ?? 'leastconn'}`,
    // a node's loss drops its connections at once: the devices reconnect and land on a live node
    '  option tcp-check',
    `  default-server check inter ${inter} fall 1 rise 1 on-marked-down shutdown-sessions maxconn ${maxconn}${
      o.sendProxy ? ' send-proxy-v2 check-send-proxy' : ''
    }`,
    ...o.nodes.map((n) => `  server ${n.name} ${n.host ?? '127.0.0.1'}:${n.port}${n.backup ? ' backup' : ''}`),
    '',
  ].join('\n');
}

export class LocalHaproxy {
  #daemon?: Daemon;
  port = 0;
  readonly output: string[] = [];

  constructor(readonly options: HaproxyOptions) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!existsSync(HAPROXY))
      throw new Error(`haproxy not found at ${HAPROXY}: run scripts/install-system-deps.sh test`);
    mkdirSync(this.options.dir, { recursive: true });
    this.port ||= await freePort();
    const cfg = join(this.options.dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(this.port, this.options));
    const proc = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 200) this.output.shift();
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    this.#daemon = new Daemon('haproxy', proc);
    await this.#daemon.untilReady(
      () => accepts(this.port),
      'listening',
      () => this.output.join(''),
    );
  }

  async stop(): Promise<void> {
    await this.#daemon?.stop();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
