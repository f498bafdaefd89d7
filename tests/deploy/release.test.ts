import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServiceProcess } from '../../infra/child.ts';
import { REPO } from '../../scripts/build/build.ts';
import { release, type Release } from '../../scripts/build/release.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';
import { writeServerConfigs } from './service-configs.ts';

/**
 * The production release: one tarball, byte-identical when built twice from the same commit, whose compiled
 * services start on plain node (no tsx, no esbuild) and answer.
 */
describe('release artifact', () => {
  const dir = tempDir('tt-release-test-');
  let first: Release;
  let second: Release;
  let root: string;
  const procs: ServiceProcess[] = [];

  beforeAll(() => {
    first = release(join(dir, 'a'));
    second = release(join(dir, 'b'));
    execFileSync('tar', ['-xzf', first.file, '-C', dir]);
    root = join(dir, `thanthien-${first.version}`);
    // the lockfile's production dependencies, as `npm ci --omit=dev` installs them on the target (same lockfile)
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  }, 400_000); // two full builds: about a minute on an idle 2-core machine, several under load
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
  });

  it('is reproducible: two builds have the same sha256', () => {
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.sha256).toBe(first.sha256);
    expect(readFileSync(`${first.file}.sha256`, 'utf8')).toContain(first.sha256);
  });

  it('holds compiled JavaScript only, the lockfile and the deploy files, and no TypeScript to run', () => {
    const list = execFileSync('tar', ['-tzf', first.file], { encoding: 'utf8' }).split('\n');
    const top = `thanthien-${first.version}/`;
    for (const f of [
      'broker/main.js',
      'collector/main.js',
      'console/main.js',
      'firmware-bridge/main.js',
      'console/public/index.html',
      'package-lock.json',
      'deploy/install-server.sh',
      'deploy/systemd/thanthien-broker.service',
      'VERSION',
    ])
      expect(list, f).toContain(top + f);
    expect(list.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(list.some((f) => f.includes('node_modules'))).toBe(false);
    const main = readFileSync(join(root, 'broker/main.js'), 'utf8');
    expect(main).toMatch(/from "\.\.\/devices\/registry\/index\.js"/);
  });

  it('starts the broker, collector, console and a bridge from the artifact with plain node, and they answer', async () => {
    const etc = join(dir, 'etc');
    mkdirSync(etc);
    const setup = await writeServerConfigs({
      etcDir: etc,
      dataDir: join(dir, 'data'),
      influxUrl: inject('influxUrl'),
      database: 'release_test',
    });
    const start = async (name: string, main: string, config: string, ready: RegExp) => {
      const p = new ServiceProcess(name, [join(root, main), '--config', config], ready, { NODE_OPTIONS: '' }, []);
      procs.push(p);
      await p.start();
      return p;
    };
    await start('broker', 'broker/main.js', setup.files.broker, /broker listening/);
    await start('collector', 'collector/main.js', setup.files.collector, /collector started/);
    await start('console', 'console/main.js', setup.files.console, /console listening/);

    const page = await fetch(`http://127.0.0.1:${setup.consolePort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const login = await fetch(`http://127.0.0.1:${setup.consolePort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":"x","password":"y"}',
    });
    expect(login.status).toBeGreaterThanOrEqual(400);

    // a rating box from the same artifact: it connects with its registry password and reports online
    const boxId = Object.keys(setup.secrets).find((k) => k.endsWith('-box'))!;
    const bridgeYaml = join(etc, 'bridge.yaml');
    writeFileSync(
      bridgeYaml,
      stringify({
        deviceId: boxId,
        broker: { url: `mqtt://127.0.0.1:${setup.brokerPort}`, password: setup.secrets[boxId] },
        dataDir: join(dir, 'bridge'),
        io: { kind: 'fake' },
        units: {
          ratingBox: {
            buttons: { 'rat-hai-long': 2, 'hai-long': 3, 'binh-thuong': 4, 'khong-hai-long': 5 },
            leds: { ack: 13 },
            buzzerPin: 8,
          },
        },
      }),
    );
    // the integration account (Node-RED's) reads device channels without disturbing the collector's session
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${setup.brokerPort}`, {
      clientId: 'node-red',
      username: 'node-red',
      password: setup.secrets['node-red'],
      protocolVersion: 4,
    });
    const seen: string[] = [];
    watcher.on('message', (t, m) => seen.push(`${t} ${m.toString()}`));
    await watcher.subscribeAsync(`tt/v1/${boxId}/availability`, { qos: 1 });
    await start('bridge', 'firmware-bridge/main.js', bridgeYaml, /bridge started/);
    await waitFor(() => seen.some((s) => s.includes('"online"')), 30_000, 'the bridge online');
    await watcher.endAsync(true);
    expect(existsSync(join(dir, 'bridge'))).toBe(true);
  });
});
