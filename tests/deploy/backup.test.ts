import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBrokerConfig, startBroker, type RunningBroker } from '../../broker/index.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { backup, restore, type StatePaths } from '../../deploy/backup/backup.ts';
import { loadRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { silentLogger } from '../../infra/logger.ts';
import { CHEAP, PASSWORD, nextYear } from '../console/helpers.ts';
import { tempDir } from '../harness/temp.ts';

/**
 * Backup, wipe, restore: a second, fresh server (its own directories and its own empty InfluxDB) restored from
 * the first one's archive has the same users, announcements, signing keys, registry, spool and ratings.
 */
describe('backup and restore of a server', () => {
  const dir = tempDir('tt-backup-test-');
  const stoppers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  });

  async function server(name: string, registryYaml?: string) {
    const root = join(dir, name);
    const paths: StatePaths = {
      consoleData: join(root, 'console'),
      registry: join(root, 'registry/registry.yaml'),
      spool: join(root, 'collector/spool'),
      etc: join(root, 'etc'),
      influx: { rpc: '', url: '', database: 'thanthien' },
    };
    const influxd = new LocalInfluxd({ dir: join(root, 'influxd') });
    await influxd.start();
    stoppers.push(() => influxd.stop());
    paths.influx = { rpc: `127.0.0.1:${influxd.rpcPort}`, url: influxd.url, database: 'thanthien' };
    if (registryYaml) {
      mkdirSync(join(root, 'registry'), { recursive: true });
      writeFileSync(paths.registry, registryYaml);
    }
    return {
      paths,
      influxd,
      influx: () => new InfluxDB({ host: '127.0.0.1', port: influxd.httpPort, database: 'thanthien' }),
    };
  }

  async function consoleOn(paths: StatePaths, secret: string, broker: RunningBroker): Promise<RunningConsole> {
    const config = parseConfig({
      dataDir: paths.consoleData,
      registryPath: paths.registry,
      http: { port: 0, secureCookies: false },
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, username: 'console', password: secret },
    });
    const c = await startConsole({
      config,
      registry: loadRegistry(paths.registry),
      log: silentLogger,
      hashCost: CHEAP,
    });
    return c;
  }

  async function api(c: RunningConsole, token: string | null, method: string, path: string, body?: unknown) {
    const res = await fetch(`${c.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('brings a fresh server back to the same state', async () => {
    const demo = await demoRegistry({ communes: 1, hamletsPerCommune: 2, countersPerCommune: 1, cost: CHEAP });
    const broker = await startBroker({
      config: parseBrokerConfig({ host: '127.0.0.1', port: 0, registryPath: 'in-memory' }),
      registry: loadRegistry(
        await (async () => {
          const p = join(dir, 'b.yaml');
          writeFileSync(p, demo.yaml);
          return p;
        })(),
      ),
      log: silentLogger,
    });
    stoppers.push(() => broker.close());

    // server A: users, an announcement, a key, ratings, a spooled batch, a config file
    const a = await server('a', demo.yaml);
    const consoleA = await consoleOn(a.paths, demo.secrets.console, broker);
    await consoleA.users.create({ username: 'canbo1', role: 'staff', communes: ['90001'], password: PASSWORD }, 'test');
    const staff = (await api(consoleA, null, 'POST', '/api/session', { username: 'canbo1', password: PASSWORD })).body
      .token;
    const year = nextYear();
    const created = await api(consoleA, staff, 'POST', '/api/announcements', {
      title: 'Họp dân ấp Tân Hòa',
      text: 'Kính mời bà con đến dự họp.',
      hamlets: ['xa1-ap1'],
      schedule: { kind: 'once', at: `${year}-03-02T19:00` },
      repeats: 1,
      volume: 70,
      priority: 'normal',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const announcementsA = (await api(consoleA, staff, 'GET', '/api/announcements')).body;
    const keyA = consoleA.keys.get('90001')!.publicKeyDer;
    await consoleA.close();
    await a.influx().createDatabase('thanthien');
    await a.influx().writePoints(
      Array.from({ length: 25 }, (_, i) => ({
        measurement: 'rating',
        tags: { commune: '90001', level: i % 2 ? 'hai-long' : 'rat-hai-long' },
        fields: { id: `r-${i}`, score: 1 },
        timestamp: new Date(Date.UTC(2026, 10, 1, 2, i)),
      })),
    );
    mkdirSync(a.paths.spool, { recursive: true });
    writeFileSync(join(a.paths.spool, '000001.batch'), 'rating,commune=90001 score=1 1761962400000000000\n');
    mkdirSync(a.paths.etc!, { recursive: true });
    writeFileSync(join(a.paths.etc!, 'console.yaml'), 'dataDir: /var/lib/thanthien/console\n');

    const archive = join(dir, 'backup.tar.gz');
    await backup(a.paths, archive);
    await a.influxd.stop(); // server A is gone

    // server B: empty; its collector already created an empty database
    const b = await server('b');
    await b.influx().createDatabase('thanthien');
    await restore(b.paths, archive);

    expect(readFileSync(b.paths.registry, 'utf8')).toBe(demo.yaml);
    expect(existsSync(join(b.paths.spool, '000001.batch'))).toBe(true);
    expect(readFileSync(join(b.paths.etc!, 'console.yaml'), 'utf8')).toContain('dataDir');
    const rows = await b.influx().query<{ count: number }>('SELECT count("score") FROM "rating"');
    expect(rows[0]?.count).toBe(25);

    const consoleB = await consoleOn(b.paths, demo.secrets.console, broker);
    stoppers.push(() => consoleB.close());
    expect(consoleB.keys.get('90001')!.publicKeyDer).toBe(keyA);
    expect(consoleB.keys.get('90001')!.created).toBe(false);
    const login = await api(consoleB, null, 'POST', '/api/session', { username: 'canbo1', password: PASSWORD });
    expect(login.status).toBe(200);
    expect((await api(consoleB, login.body.token, 'GET', '/api/announcements')).body).toEqual(announcementsA);
  });
});
