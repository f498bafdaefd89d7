import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_PAYLOAD_BYTES } from '../../devices/contract/index.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { silentLogger } from '../../infra/logger.ts';
import { BrokerError, loadBrokerConfig, parseBrokerConfig, startBroker } from '../../broker/index.ts';
import { redisOptions } from '../../broker/persistence.ts';
import { tempDir } from '../harness/temp.ts';
import { BOX, CHEAP } from './helpers.ts';
import { connectAs } from '../support/device-client.ts';

function brokerError(fn: () => unknown): BrokerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BrokerError);
    return err as BrokerError;
  }
  throw new Error('expected a BrokerError');
}

describe('broker config', () => {
  it('fills defaults: memory persistence, contract payload limit, rates that throttle before dropping', () => {
    const c = parseBrokerConfig({ registryPath: 'r.yaml' });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 1883,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      persistence: { kind: 'memory' },
      statsIntervalMs: 10_000,
    });
    expect(c.rate).toEqual({ perSecond: 50, burst: 200, maxQueued: 1000 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every problem of a garbage config with its path', () => {
    const err = brokerError(() =>
      parseBrokerConfig({
        port: 'abc',
        rate: { perSecond: -1, burst: 0 },
        persistence: { kind: 'mongo' },
        tls: { cert: 5 },
        colour: 'blue',
      }),
    );
    expect(err.code).toBe('BROKER_CONFIG_INVALID');
    const paths = err.problems.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'port',
        'rate.perSecond',
        'rate.burst',
        'persistence.kind',
        'tls.cert',
        'tls.key',
        'registryPath',
        '(gốc)',
      ]),
    );
    expect(err.message).toContain('rate.perSecond');
  });

  it('takes balancers as addresses or CIDR ranges, and refuses anything else with its path', () => {
    const ok = parseBrokerConfig({
      registryPath: 'r.yaml',
      proxyProtocol: { trusted: ['10.0.0.10', '10.1.0.0/16', 'fd00::/8'] },
    });
    expect(ok.proxyProtocol).toEqual({ trusted: ['10.0.0.10', '10.1.0.0/16', 'fd00::/8'], headerTimeoutMs: 5_000 });
    const err = brokerError(() =>
      parseBrokerConfig({
        registryPath: 'r.yaml',
        proxyProtocol: { trusted: ['10.0.0.300', '10.0.0.0/33', 'haproxy', '10.0.0.0/8/1', 'fd00::/129'] },
      }),
    );
    expect(err.problems.map((p) => p.split(':')[0])).toEqual([0, 1, 2, 3, 4].map((i) => `proxyProtocol.trusted.${i}`));
    expect(
      brokerError(() => parseBrokerConfig({ registryPath: 'r.yaml', proxyProtocol: { trusted: [] } })).problems[0],
    ).toMatch(/^proxyProtocol\.trusted/);
  });

  it('reports unreadable files and broken YAML, and resolves relative paths against the config file', () => {
    const dir = tempDir('tt-broker-config-');
    expect(brokerError(() => loadBrokerConfig(join(dir, 'missing.yaml'))).problems[0]).toMatch(/ENOENT/);
    writeFileSync(join(dir, 'bad.yaml'), 'port: [1883\n  : :');
    expect(brokerError(() => loadBrokerConfig(join(dir, 'bad.yaml'))).code).toBe('BROKER_CONFIG_INVALID');
    writeFileSync(join(dir, 'ok.yaml'), 'registryPath: registry.yaml\ntls: { cert: certs/c.pem, key: /etc/k.pem }\n');
    const c = loadBrokerConfig(join(dir, 'ok.yaml'));
    expect(c.registryPath).toBe(join(dir, 'registry.yaml'));
    expect(c.tls).toMatchObject({ port: 8883, cert: join(dir, 'certs/c.pem'), key: '/etc/k.pem' });
  });

  it('refuses to start with Redis persistence when aedes-persistence-redis is missing, with a clear code', async () => {
    const { yaml } = await demoRegistry({ cost: CHEAP });
    const config = parseBrokerConfig({
      host: '127.0.0.1',
      port: 0,
      registryPath: 'x',
      persistence: { kind: 'redis', url: 'redis://127.0.0.1:6379/2' },
    });
    const importer = async (name: string) => {
      throw new Error(`Cannot find package '${name}'`);
    };
    await expect(
      startBroker({ config, registry: parseRegistry(yaml), log: silentLogger, importer }),
    ).rejects.toMatchObject({ code: 'BROKER_PERSISTENCE_MISSING' });
    expect(redisOptions('redis://u:p%40ss@redis.local:6380/2')).toEqual({
      host: 'redis.local',
      port: 6380,
      username: 'u',
      password: 'p@ss',
      db: 2,
    });
  });

  it('refuses a TLS config without certificate material, and a busy port', async () => {
    const registry = parseRegistry((await demoRegistry({ cost: CHEAP })).yaml);
    const tlsConfig = parseBrokerConfig({
      host: '127.0.0.1',
      port: 0,
      registryPath: 'x',
      tls: { port: 0, cert: 'c', key: 'k' },
    });
    await expect(startBroker({ config: tlsConfig, registry, log: silentLogger })).rejects.toMatchObject({
      code: 'BROKER_TLS_MATERIAL_MISSING',
    });
    const first = await startBroker({
      config: parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath: 'x' }),
      registry,
      log: silentLogger,
    });
    try {
      const busy = parseBrokerConfig({ host: '127.0.0.1', port: first.port, registryPath: 'x' });
      await expect(startBroker({ config: busy, registry, log: silentLogger })).rejects.toMatchObject({
        code: 'BROKER_LISTEN_FAILED',
      });
    } finally {
      await first.close();
    }
  });
});

type Run = { code: number | null; stdout: string; stderr: string };

/** run broker/main.ts; `whenReady` gets the port from the log line, then the process is sent SIGTERM */
function runMain(args: string[], whenReady?: (port: number) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, BROKER_CONFIG: '' },
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    const killer = setTimeout(() => proc.kill('SIGKILL'), 50_000);
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.includes('"broker listening"'));
      if (line && !started && whenReady) {
        started = true;
        whenReady(JSON.parse(line).port).then(
          () => proc.kill('SIGTERM'),
          (err) => {
            proc.kill('SIGKILL');
            reject(err);
          },
        );
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('broker main.ts', () => {
  it('starts from a YAML config, serves, logs its port, and exits 0 on SIGTERM', async () => {
    const dir = tempDir('tt-broker-main-');
    const demo = await demoRegistry({ cost: CHEAP });
    writeFileSync(join(dir, 'registry.yaml'), demo.yaml);
    writeFileSync(join(dir, 'broker.yaml'), stringify({ host: '127.0.0.1', port: 0, registryPath: 'registry.yaml' }));
    let served = false;
    const run = await runMain(['--config', join(dir, 'broker.yaml')], async (port) => {
      const c = await connectAs(`mqtt://127.0.0.1:${port}`, BOX, demo.secrets[BOX]);
      served = c.connected;
      await c.endAsync();
    });
    expect(served).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(demo.secrets[BOX]);
  });

  it('exits 1 with the error code and every path for a garbage config, and 2 without a config', async () => {
    const dir = tempDir('tt-broker-main-');
    writeFileSync(join(dir, 'broker.json'), JSON.stringify({ port: -5, rate: { burst: 'many' } }));
    const bad = await runMain(['--config', join(dir, 'broker.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BROKER_CONFIG_INVALID');
    expect(bad.stderr).toMatch(/port:/);
    expect(bad.stderr).toMatch(/rate\.burst:/);
    expect(bad.stderr).toMatch(/registryPath:/);
    expect((await runMain([])).code).toBe(2);
  });
});
