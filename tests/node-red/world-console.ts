import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { systemClock, type Clock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';
import { CHEAP, type World } from './world.ts';

/** the password of every account a test console is given */
export const PASSWORD = 'mat-khau-thu-nghiem';

export type TestAccount = { username: string; role: string; communes: string[] };

/** The real console (console/) on the world's broker, in a temp folder, with these accounts (password PASSWORD). */
export async function startWorldConsole(
  world: World,
  accounts: TestAccount[],
  clock: Clock = systemClock,
): Promise<RunningConsole> {
  const config = parseConfig({
    dataDir: tempDir('tt-nr-console-'),
    registryPath: world.registryPath,
    http: { port: 0, secureCookies: false },
    mqtt: { url: world.url, username: 'console', password: world.secrets.console },
  });
  const app = await startConsole({ config, registry: world.registry, log: silentLogger, clock, hashCost: CHEAP });
  for (const a of accounts) await app.users.create({ ...a, password: PASSWORD }, 'test');
  return app;
}
