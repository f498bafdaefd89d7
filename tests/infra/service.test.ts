import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  EXIT,
  REPEAT_SIGNAL_GRACE_MS,
  runService,
  type ProcessPort,
  type RunningService,
  type ServiceSpec,
} from '../../infra/service.ts';
import { FakeClock, settle } from '../support/fake-clock.ts';

type Event = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'uncaughtException' | 'unhandledRejection';

/** a process the test drives: signals are emitted by hand, exit and stderr are recorded */
class FakeProcess implements ProcessPort {
  handlers = new Map<Event, ((arg?: unknown) => void)[]>();
  exits: number[] = [];
  errors: string[] = [];
  held = 0;
  constructor(
    public argv: string[],
    public env: NodeJS.ProcessEnv = {},
  ) {}
  on(event: Event, fn: (arg?: unknown) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  emit(event: Event, arg?: unknown): void {
    for (const fn of this.handlers.get(event) ?? []) fn(arg);
  }
  exit(code: number): void {
    this.exits.push(code);
  }
  printError(line: string): void {
    this.errors.push(line);
  }
  hold(): () => void {
    this.held++;
    return () => void this.held--;
  }
}

/** a logger whose lines the test reads */
function recordingLog() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, msgs: () => lines.map((l) => l.msg), lines };
}

type Cfg = { name: string };
function spec(
  over: Partial<ServiceSpec<Cfg, Record<never, never>>> & { running?: RunningService } = {},
): ServiceSpec<Cfg, Record<never, never>> {
  return {
    name: 'thu',
    usage: 'Cách dùng: thu --config <tệp>',
    configEnv: 'THU_CONFIG',
    loadConfig: (path) => ({ name: path }),
    start: async () => over.running ?? { stop: async () => undefined },
    ...over,
  };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('service runner', () => {
  it('exits USAGE without a config, or with an unknown option, and says how to call it', async () => {
    const none = new FakeProcess([]);
    await runService(spec(), { proc: none, log: recordingLog().log });
    expect(none.exits).toEqual([EXIT.USAGE]);
    expect(none.errors.join('\n')).toContain('Cách dùng');
    const unknown = new FakeProcess(['--config', 'a.yaml', '--colour', 'blue']);
    await runService(spec(), { proc: unknown, log: recordingLog().log });
    expect(unknown.exits).toEqual([EXIT.USAGE]);
    expect(unknown.errors.join('\n')).toContain('--colour');
  });

  it('finds the config in --config, -c, --config=, the environment, then the default', async () => {
    const seen: string[] = [];
    const s = spec({
      defaultConfig: 'mac-dinh.yaml',
      start: async ({ configPath, config }) => void seen.push(`${configPath}=${config.name}`),
    });
    for (const [argv, env] of [
      [['--config', 'a.yaml']],
      [['-c', 'b.yaml']],
      [['--config=c.yaml']],
      [[], { THU_CONFIG: 'd.yaml' }],
      [[]],
    ] as const) {
      await runService(s, { proc: new FakeProcess([...argv], { ...env }), log: recordingLog().log });
    }
    expect(seen).toEqual([
      'a.yaml=a.yaml',
      'b.yaml=b.yaml',
      'c.yaml=c.yaml',
      'd.yaml=d.yaml',
      'mac-dinh.yaml=mac-dinh.yaml',
    ]);
  });

  it('a coded start error is printed with its code and exits FAILED; a one-shot command just ends', async () => {
    const bad = new FakeProcess(['-c', 'x.yaml']);
    const failing = spec({
      loadConfig: () => {
        throw Object.assign(new Error('cấu hình thử không hợp lệ:\n  - port: sai'), {
          code: 'THU_CONFIG_INVALID',
          problems: ['port: sai'],
        });
      },
    });
    await runService(failing, { proc: bad, log: recordingLog().log });
    expect(bad.exits).toEqual([EXIT.FAILED]);
    expect(bad.errors[0]).toMatch(/^\[THU_CONFIG_INVALID\] .*port: sai/s);

    const oneShot = new FakeProcess(['-c', 'x.yaml']);
    await runService(spec({ start: async () => undefined }), { proc: oneShot, log: recordingLog().log });
    expect(oneShot.exits).toEqual([]);
    expect(oneShot.handlers.has('SIGTERM')).toBe(false);
    expect(oneShot.held).toBe(0);
  });

  it('SIGTERM stops the service once, holds the process meanwhile, and exits OK', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    let stops = 0;
    const proc = new FakeProcess(['-c', 'x.yaml']);
    const { log, msgs } = recordingLog();
    await runService(spec({ running: { stop: () => (stops++, gate.promise) } }), { proc, clock, log });
    expect(proc.held).toBe(1);
    proc.emit('SIGTERM');
    proc.emit('SIGINT'); // Ctrl-C forwarded twice: the same request
    expect(stops).toBe(1);
    await settle();
    expect(proc.exits).toEqual([]);
    gate.resolve();
    await settle();
    expect(proc.exits).toEqual([EXIT.OK]);
    expect(proc.held).toBe(0);
    expect(msgs()).toContain('stopping');
  });

  it('a stop that overruns its bound, or fails, exits FAILED; a later repeated signal exits at once', async () => {
    const clock = new FakeClock();
    const proc = new FakeProcess(['-c', 'x.yaml']);
    await runService(spec({ stopTimeoutMs: 5_000, running: { stop: () => new Promise(() => undefined) } }), {
      proc,
      clock,
      log: recordingLog().log,
    });
    proc.emit('SIGTERM');
    clock.advance(4_999);
    expect(proc.exits).toEqual([]);
    clock.advance(1);
    expect(proc.exits).toEqual([EXIT.FAILED]);

    const failing = new FakeProcess(['-c', 'x.yaml']);
    await runService(spec({ running: { stop: async () => Promise.reject(new Error('hỏng')) } }), {
      proc: failing,
      clock,
      log: recordingLog().log,
    });
    failing.emit('SIGINT');
    await settle();
    expect(failing.exits).toEqual([EXIT.FAILED]);

    const impatient = new FakeProcess(['-c', 'x.yaml']);
    await runService(spec({ running: { stop: () => new Promise(() => undefined) } }), {
      proc: impatient,
      clock,
      log: recordingLog().log,
    });
    impatient.emit('SIGINT');
    clock.advance(REPEAT_SIGNAL_GRACE_MS);
    impatient.emit('SIGINT');
    expect(impatient.exits).toEqual([EXIT.FAILED]);
  });

  it('the service can stop itself with its own exit code (RESTART)', async () => {
    const proc = new FakeProcess(['-c', 'x.yaml']);
    let exit!: (reason: string, code: 3) => void;
    await runService(spec({ start: async (ctx) => ((exit = ctx.exit), { stop: async () => undefined }) }), {
      proc,
      log: recordingLog().log,
    });
    exit('board-retry', EXIT.RESTART);
    await settle();
    expect(proc.exits).toEqual([EXIT.RESTART]);
  });

  it('SIGHUP calls the reload hook and keeps running; a failed reload is logged, not fatal', async () => {
    const proc = new FakeProcess(['-c', 'x.yaml']);
    const { log, msgs } = recordingLog();
    let reloads = 0;
    let fail = false;
    const reload = async () => {
      reloads++;
      if (fail) throw new Error('sổ hỏng');
    };
    await runService(spec({ running: { stop: async () => undefined, reload } }), { proc, log });
    proc.emit('SIGHUP');
    await settle();
    fail = true;
    proc.emit('SIGHUP');
    await settle();
    expect(reloads).toBe(2);
    expect(msgs()).toEqual(expect.arrayContaining(['reloaded', 'reload failed: keeping what was loaded before']));
    expect(proc.exits).toEqual([]);

    const noHook = new FakeProcess(['-c', 'x.yaml']);
    const quiet = recordingLog();
    await runService(spec(), { proc: noHook, log: quiet.log });
    noHook.emit('SIGHUP');
    expect(noHook.exits).toEqual([]);
    expect(quiet.msgs()).toContain('SIGHUP: nothing to reload');
  });

  it('keepServingOnUncaught logs uncaught errors instead of dying', async () => {
    const proc = new FakeProcess(['-c', 'x.yaml']);
    const { log, lines } = recordingLog();
    await runService(spec({ keepServingOnUncaught: true }), { proc, log });
    proc.emit('uncaughtException', new Error('lỗi của một client'));
    expect(lines.find((l) => l.msg === 'uncaught exception')).toBeTruthy();
    expect(proc.exits).toEqual([]);
  });
});
