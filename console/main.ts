import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadRegistry } from '../devices/registry/index.ts';
import { runService } from '../infra/service.ts';
import { systemClock } from '../infra/clock.ts';
import { Area } from './area.ts';
import { loadConfig, type ConsoleConfig } from './config.ts';
import { ConsoleError } from './errors.ts';
import { startConsole } from './index.ts';
import { loadOrCreateKey } from './keys.ts';
import { Store } from './store/index.ts';
import { UserService } from './users.ts';

/**
 * The console's composition root: the only place that reads files (argv, signals, exit codes: infra/service.ts).
 *   tsx console/main.ts --config console.yaml                       run the console
 *   tsx console/main.ts --config c.yaml --create-user --username an --role staff --commune 90001 [--password-env VAR]
 *   tsx console/main.ts --config c.yaml --seed users.yaml            create the users listed there (existing ones are kept)
 *   tsx console/main.ts --config c.yaml --print-public-key           the commune keys (for the registry and the speakers)
 * The password of --create-user comes from the environment variable named by --password-env (default CONSOLE_PASSWORD),
 * never from argv (visible in `ps`).
 */
const OPTIONS = {
  'create-user': { type: 'boolean', default: false },
  username: { type: 'string' },
  role: { type: 'string' },
  commune: { type: 'string', multiple: true },
  'display-name': { type: 'string' },
  'password-env': { type: 'string', default: 'CONSOLE_PASSWORD' },
  seed: { type: 'string' },
  'print-public-key': { type: 'boolean', default: false },
} as const;

function offline(config: Readonly<ConsoleConfig>) {
  const registry = loadRegistry(config.registryPath);
  const area = new Area(registry, config.communes);
  const store = Store.open(join(config.dataDir, 'console.sqlite'));
  const users = new UserService({ store, area, clock: systemClock, sessionMs: config.http.sessionHours * 3_600_000 });
  return { area, store, users };
}

async function createUsers(config: Readonly<ConsoleConfig>, list: unknown[]): Promise<void> {
  const { store, users } = offline(config);
  try {
    for (const u of list) {
      try {
        const created = await users.create(u, 'cli');
        console.log(`đã tạo người dùng ${created.username} (${created.role})`);
      } catch (err) {
        if (err instanceof ConsoleError && err.code === 'USER_EXISTS')
          console.log(`bỏ qua: ${(u as { username?: string }).username} đã có`);
        else throw err;
      }
    }
  } finally {
    store.close();
  }
}

void runService({
  name: 'console',
  usage: 'Cách dùng: tsx console/main.ts --config <console.yaml>   (hoặc biến môi trường CONSOLE_CONFIG)',
  configEnv: 'CONSOLE_CONFIG',
  defaultConfig: 'console.yaml',
  options: OPTIONS,
  loadConfig,
  async start({ config, args: values, log }) {
    if (values['create-user']) {
      const password = process.env[values['password-env']!];
      await createUsers(config, [
        {
          username: values.username,
          password,
          role: values.role,
          communes: values.commune ?? [],
          displayName: values['display-name'],
        },
      ]);
      return;
    }
    if (values.seed) {
      const seed = parseYaml(readFileSync(values.seed, 'utf8')) as { users?: unknown[] };
      await createUsers(config, seed.users ?? []);
      return;
    }
    if (values['print-public-key']) {
      const { area, store } = offline(config);
      store.close();
      for (const c of area.communes) {
        const k = loadOrCreateKey(config.dataDir, c);
        console.log(
          `# ${c} ${area.communeName(c)}\nbroadcastKey (base64 SPKI DER): ${k.publicKeyDer}\n${k.publicKeyPem}`,
        );
      }
      return;
    }
    const registry = loadRegistry(config.registryPath);
    const running = await startConsole({ config, registry, log });
    for (const k of running.keys.values())
      console.log(`commune ${k.commune} public key (registry commune.broadcastKey): ${k.publicKeyDer}`);
    log.info({ url: running.url }, 'console listening');
    return { stop: () => running.close() };
  },
});
