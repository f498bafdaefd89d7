import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyPassword } from '../../devices/credentials.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { Store } from '../../console/store/index.ts';
import { loadConfig } from '../../console/config.ts';
import { CHEAP } from './helpers.ts';
import { tempDir } from '../harness/temp.ts';

const TSX = join(process.cwd(), 'node_modules/.bin/tsx');

describe('console CLI', () => {
  it('creates users (password from the environment, never argv), seeds from a file, prints the commune key', async () => {
    const dir = tempDir('tt-console-cli-');
    const { yaml } = await demoRegistry({ communes: 1, cost: CHEAP });
    writeFileSync(join(dir, 'registry.yaml'), yaml);
    const configPath = join(dir, 'console.yaml');
    writeFileSync(
      configPath,
      stringify({
        dataDir: join(dir, 'data'),
        registryPath: join(dir, 'registry.yaml'),
        mqtt: { url: 'mqtt://127.0.0.1:1', username: 'console', password: 'x' },
      }),
    );
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(TSX, ['console/main.ts', '--config', configPath, ...args], {
        cwd: process.cwd(),
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });

    const created = run(['--create-user', '--username', 'lanhdao', '--role', 'leader', '--commune', '90001'], {
      CONSOLE_PASSWORD: 'mot-mat-khau-rat-dai',
    });
    expect(created.status, created.stderr).toBe(0);
    const again = run(['--create-user', '--username', 'lanhdao', '--role', 'leader', '--commune', '90001'], {
      CONSOLE_PASSWORD: 'mot-mat-khau-rat-dai',
    });
    expect(again.stdout).toMatch(/bỏ qua/);
    const weak = run(['--create-user', '--username', 'canbo', '--role', 'staff', '--commune', '90001'], {
      CONSOLE_PASSWORD: 'ngan',
    });
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/PASSWORD_WEAK/);

    writeFileSync(
      join(dir, 'seed.yaml'),
      stringify({
        users: [
          { username: 'quantri', password: 'mat-khau-quan-tri', role: 'admin' },
          { username: 'canbo', password: 'mat-khau-can-bo', role: 'staff', communes: ['90001'] },
        ],
      }),
    );
    expect(run(['--seed', join(dir, 'seed.yaml')]).status).toBe(0);

    const key = run(['--print-public-key']);
    expect(key.stdout).toMatch(/BEGIN PUBLIC KEY/);

    const store = Store.open(join(loadConfig(configPath).dataDir, 'console.sqlite'));
    try {
      const leader = store.users.byUsername('lanhdao')!;
      expect(leader).toMatchObject({ role: 'leader', communes: ['90001'] });
      expect(leader.passwordHash).toMatch(/^scrypt\$/);
      expect(await verifyPassword('mot-mat-khau-rat-dai', leader.passwordHash)).toBe(true);
      expect(store.users.byUsername('canbo')?.role).toBe('staff');
      expect(store.users.byUsername('quantri')?.role).toBe('admin');
      expect(
        store.audit
          .list(null)
          .filter((a) => a.action === 'user.create')
          .map((a) => a.target)
          .sort(),
      ).toEqual(['canbo', 'lanhdao', 'quantri']);
    } finally {
      store.close();
    }
  }, 120_000);
});
