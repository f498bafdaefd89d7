import { parseArgs, type ParseArgsConfig } from 'node:util';
import { systemClock, type Clock } from './clock.ts';
import { createLogger, type Logger } from './logger.ts';

/**
 * The one runner every service process starts through (broker, collector, console, firmware-bridge): argv,
 * config, signals, a bounded graceful stop and the exit codes below. The service itself only says how to
 * load its config and how to start; it never touches `process` for any of that.
 */

/** Exit codes of every service process: systemd and the tests read them. */
export const EXIT = {
  /** stopped cleanly after SIGINT/SIGTERM, or a one-shot command (e.g. the console's --create-user) done */
  OK: 0,
  /** could not start (invalid config or registry, busy port, missing file) or the stop failed or overran */
  FAILED: 1,
  /** called wrongly: no config given, or an unknown option */
  USAGE: 2,
  /** the service asks its service manager for a restart (the bridge whose IO board never came up) */
  RESTART: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a started service hands the runner. */
export type RunningService = {
  /** graceful stop (flush, disconnect, close); bounded by the runner */
  stop(): Promise<void>;
  /** SIGHUP: take in what can change without a restart (e.g. the broker's device registry) */
  reload?(): Promise<void>;
};

export type ServiceContext<C, V> = {
  config: C;
  configPath: string;
  /** every parsed option, the service's own included */
  args: V;
  log: Logger;
  /** stop from inside, as a signal would, then exit with `code` */
  exit(reason: string, code: ExitCode): void;
};

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O & typeof CONFIG_OPTION; strict: true }>
>['values'];

export type ServiceSpec<C, O extends ParseArgsOptionsConfig> = {
  /** the logger's name and the process's name in messages */
  name: string;
  /** printed with EXIT.USAGE */
  usage: string;
  /** the environment variable that may name the config file */
  configEnv?: string;
  /** the config file when neither --config nor the variable names one (none: EXIT.USAGE) */
  defaultConfig?: string;
  /** the service's own options, beside --config */
  options?: O;
  /** absent: the service takes no config file (`npm start` runs on an embedded default) */
  loadConfig?(path: string): C;
  /** start and return the running service; nothing for a one-shot command that has finished */
  start(ctx: ServiceContext<C, Values<O>>): Promise<RunningService | void>;
  /** a stop taking longer exits EXIT.FAILED (systemd's TimeoutStopSec is 20 s) */
  stopTimeoutMs?: number;
  /** log uncaught errors and keep serving (the broker: one client's bug must not take the network down) */
  keepServingOnUncaught?: boolean;
};

/** The parts of `process` the runner uses, so tests can drive it in-process. */
export type ProcessPort = {
  argv: string[];
  env: NodeJS.ProcessEnv;
  on(
    event: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'uncaughtException' | 'unhandledRejection',
    fn: (arg?: unknown) => void,
  ): void;
  exit(code: number): void;
  /** a line for the operator on stderr (before a logger exists, or for coded errors) */
  printError(line: string): void;
  /** keep the event loop alive while the service runs (the system clock's timers are unref'd) */
  hold(): () => void;
};

export const nodeProcess: ProcessPort = {
  argv: process.argv.slice(2),
  env: process.env,
  on: (event, fn) => void process.on(event, fn),
  exit: (code) => process.exit(code),
  printError: (line) => console.error(line),
  hold() {
    const t = setInterval(() => undefined, 1 << 30);
    return () => clearInterval(t);
  },
};

/** Ctrl-C reaches every process of a group and npm forwards it too: a repeat this soon is the same request */
export const REPEAT_SIGNAL_GRACE_MS = 3_000;

export type RunnerDeps = { proc?: ProcessPort; clock?: Clock; log?: Logger };

/** Run a service until it is stopped; resolves once it has started (or finished, for a one-shot command). */
export async function runService<C, O extends ParseArgsOptionsConfig = Record<never, never>>(
  spec: ServiceSpec<C, O>,
  deps: RunnerDeps = {},
): Promise<void> {
  const proc = deps.proc ?? nodeProcess;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger(spec.name);
  if (spec.keepServingOnUncaught) {
    proc.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
    proc.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  }

  let args: Values<O>;
  try {
    args = parseArgs({
      args: proc.argv,
      options: { ...spec.options, ...CONFIG_OPTION } as O & typeof CONFIG_OPTION,
      strict: true as const,
    }).values;
  } catch (err) {
    proc.printError(`${(err as Error).message}\n${spec.usage}`);
    return proc.exit(EXIT.USAGE);
  }
  const configPath =
    (args as { config?: string }).config || (spec.configEnv && proc.env[spec.configEnv]) || spec.defaultConfig || '';
  if (spec.loadConfig && !configPath) {
    proc.printError(spec.usage);
    return proc.exit(EXIT.USAGE);
  }

  let stopping: { at: number } | undefined;
  let release: (() => void) | undefined;
  let running: RunningService | void;
  const finish = (code: ExitCode) => {
    release?.();
    proc.exit(code);
  };
  const stop = (reason: string, code: ExitCode) => {
    if (stopping) {
      if (clock.monotonic() - stopping.at < REPEAT_SIGNAL_GRACE_MS) return;
      log.warn({ reason }, 'stopping at once');
      return finish(EXIT.FAILED);
    }
    stopping = { at: clock.monotonic() };
    log.info({ signal: reason }, 'stopping');
    const bound = spec.stopTimeoutMs ?? 15_000;
    const overrun = clock.setTimeout(() => {
      log.error({ timeoutMs: bound }, 'stop took too long: exiting');
      finish(EXIT.FAILED);
    }, bound);
    const service = running;
    (service ? service.stop() : Promise.resolve()).then(
      () => {
        overrun.cancel();
        finish(code);
      },
      (err) => {
        overrun.cancel();
        log.error({ err }, 'stop failed');
        finish(EXIT.FAILED);
      },
    );
  };

  try {
    const config = spec.loadConfig ? spec.loadConfig(configPath) : (undefined as C);
    running = await spec.start({ config, configPath, args, log, exit: (reason, code) => stop(reason, code) });
  } catch (err) {
    reportStartFailure(spec.name, err, log, proc);
    return finish(EXIT.FAILED);
  }
  if (!running) return; // a one-shot command: the process ends when its work is done
  release = proc.hold();
  proc.on('SIGINT', () => stop('SIGINT', EXIT.OK));
  proc.on('SIGTERM', () => stop('SIGTERM', EXIT.OK));
  proc.on('SIGHUP', () => {
    const service = running;
    if (!service || stopping) return;
    if (!service.reload) return void log.info('SIGHUP: nothing to reload');
    log.info('SIGHUP: reloading');
    service.reload().then(
      () => log.info('reloaded'),
      (err) => log.error({ err }, 'reload failed: keeping what was loaded before'),
    );
  });
}

/** coded errors (config, registry, catalogue entries) for the operator on stderr; anything else is a bug: logged */
function reportStartFailure(name: string, err: unknown, log: Logger, proc: ProcessPort): void {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) {
    proc.printError(`[${code}] ${(err as Error).message}`);
    log.fatal({ code, problems: (err as { problems?: unknown }).problems }, `${name}: start failed`);
  } else {
    proc.printError(`${name}: start failed: ${(err as Error)?.message ?? String(err)}`);
    log.fatal({ err }, `${name}: start failed`);
  }
}
