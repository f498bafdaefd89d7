import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/ports.ts';
import { REPO } from '../../scripts/build/build.ts';
import { release } from '../../scripts/build/release.ts';
import { waitFor } from '../harness/wait.ts';
import { writeServerConfigs, type ServerSetup } from './service-configs.ts';

/**
 * The server install on a clean Debian 12 root (debootstrap, cached in $THANTHIEN_CACHE or ~/.cache/thanthien):
 * deploy/install-server.sh runs inside it, `systemd-analyze verify` checks the units, then the root boots with
 * systemd as PID 1 (systemd-nspawn --boot) and the real units start InfluxDB, the broker, the collector and the
 * console, which answer from the host. Slow (minutes): `npm run test:deploy`, a step of .ci/run.
 */
const cache = process.env.THANTHIEN_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'thanthien');
const NSPAWN = ['-q', '--register=no', '--keep-unit'];

describe('server install in a clean Debian root', () => {
  const root = mkdtempSync(join(tmpdir(), 'tt-debian-'));
  const setupDir = join(root, 'root/setup');
  let setup: ServerSetup;
  let influxPort = 0;
  let booted: ChildProcess | undefined;
  let bootLog = '';

  const nspawn = (args: string[], env: Record<string, string> = {}) =>
    execFileSync(
      'systemd-nspawn',
      [...NSPAWN, '-D', root, ...Object.entries(env).map(([k, v]) => `--setenv=${k}=${v}`), ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 },
    );

  beforeAll(async () => {
    execFileSync('bash', [join(REPO, 'deploy/test/debian-root.sh'), root], { stdio: 'inherit' });
    execFileSync('bash', [join(REPO, 'deploy/test/copy-node.sh'), root], { stdio: 'inherit' });
    mkdirSync(setupDir, { recursive: true });
    const built = release(setupDir);
    copyFileSync(join(REPO, 'deploy/install-server.sh'), join(setupDir, 'install-server.sh'));
    // npm reaches its registry through this machine's trust store (a TLS-inspecting proxy in some networks)
    const env: Record<string, string> = {};
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(setupDir, 'host-ca.crt'));
      env.NODE_EXTRA_CA_CERTS = '/root/setup/host-ca.crt';
    }
    influxPort = await freePort();
    env.INFLUX_HTTP_BIND = `127.0.0.1:${influxPort}`;
    env.INFLUX_RPC_BIND = `127.0.0.1:${await freePort()}`;
    mkdirSync(join(root, 'etc/thanthien'), { recursive: true });
    setup = await writeServerConfigs({
      etcDir: join(root, 'etc/thanthien'),
      seenAs: '/etc/thanthien',
      registryAs: '/var/lib/thanthien/registry/registry.yaml',
      dataDir: '/var/lib/thanthien',
      influxUrl: `http://127.0.0.1:${influxPort}`,
      database: 'thanthien',
    });
    for (const d of ['apt-archives', 'npm']) mkdirSync(join(cache, d), { recursive: true });
    const out = nspawn(
      [
        `--bind=${join(cache, 'apt-archives')}:/var/cache/apt/archives`,
        `--bind=${join(cache, 'npm')}:/root/.npm`,
        '/bin/bash',
        '/root/setup/install-server.sh',
        `/root/setup/${built.file.split('/').pop()}`,
      ],
      env,
    );
    expect(out).toContain(`installed ${built.version}`);
  }, 1_200_000);

  afterAll(async () => {
    if (booted && booted.exitCode === null) {
      const exited = new Promise((r) => booted!.once('exit', r));
      booted.kill('SIGTERM'); // nspawn powers the container off
      const timer = setTimeout(() => booted!.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('installs the release, the user, the config and data folders', () => {
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(
      /^thanthien:x:\d+:\d+:.*:\/var\/lib\/thanthien:\/usr\/sbin\/nologin$/m,
    );
    expect(existsSync(join(root, 'opt/thanthien/current/broker/main.js'))).toBe(true);
    expect(
      existsSync(join(root, 'opt/thanthien/current/node_modules/better-sqlite3/build/Release/better_sqlite3.node')),
    ).toBe(true);
    expect(readdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).toEqual(
      expect.arrayContaining([
        'thanthien-broker.service',
        'thanthien-collector.service',
        'thanthien-console.service',
        'thanthien-registry.path',
        'influxdb.service',
      ]),
    );
    expect(existsSync(join(root, 'var/lib/thanthien/registry/registry.yaml'))).toBe(true);
  });

  it('the units pass systemd-analyze verify', () => {
    const units = [
      'thanthien-broker.service',
      'thanthien-collector.service',
      'thanthien-console.service',
      'thanthien-registry.path',
      'thanthien-registry-reload.service',
    ];
    let out = '';
    try {
      out = execFileSync(
        'systemd-nspawn',
        [...NSPAWN, '-D', root, 'systemd-analyze', 'verify', ...units.map((u) => `/etc/systemd/system/${u}`)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`systemd-analyze verify failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    expect(out).not.toMatch(/thanthien.*(error|unknown|invalid)/i);
  });

  it('boots with systemd: the units start the services as the thanthien user, hardened, and they answer', async () => {
    booted = spawn('systemd-nspawn', [...NSPAWN, '-D', root, '--boot'], { stdio: ['ignore', 'pipe', 'pipe'] });
    booted.stdout!.on('data', (b) => (bootLog = (bootLog + b.toString()).slice(-20_000)));
    booted.stderr!.on('data', (b) => (bootLog = (bootLog + b.toString()).slice(-20_000)));

    const journal = () => {
      try {
        return execFileSync(
          'journalctl',
          ['-D', join(root, 'var/log/journal'), '--no-pager', '-n', '60', '-u', 'thanthien-*', '-u', 'influxdb'],
          { encoding: 'utf8' },
        );
      } catch {
        return bootLog;
      }
    };
    const page = await waitFor(
      async () => (await fetch(`http://127.0.0.1:${setup.consolePort}/`)).status === 200,
      180_000,
      'the console',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${journal()}`);
    });
    expect(page).toBe(true);
    const watcher = await waitFor(
      () =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${setup.brokerPort}`, {
          clientId: 'node-red',
          username: 'node-red',
          password: setup.secrets['node-red'],
          protocolVersion: 4,
          reconnectPeriod: 0,
        }),
      60_000,
      'the broker',
    );
    await watcher.endAsync(true);
    // the collector created its database in the container's InfluxDB
    const influx = new InfluxDB({ host: '127.0.0.1', port: influxPort });
    await waitFor(
      async () => (await influx.getDatabaseNames()).includes('thanthien'),
      120_000,
      'the collector database',
    );

    // the broker runs from the unit: not root, no new privileges, seccomp on
    const pid = await waitFor(
      () =>
        readdirSync('/proc').find(
          (p) => /^\d+$/.test(p) && safeRead(`/proc/${p}/cmdline`).includes('/opt/thanthien/current/broker/main.js'),
        ),
      10_000,
      'the broker process',
    );
    const status = safeRead(`/proc/${pid}/status`);
    expect(status).toMatch(/^Uid:\s+[1-9]\d*/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1/m);
    expect(status).toMatch(/^Seccomp:\s+2/m);
  }, 400_000);
});

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
