import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A service started as its own process (tsx), ready once a line of its output matches `ready`.
 * The benchmark and the crash tests use it: a real process can be killed with SIGKILL.
 */
export class ServiceProcess {
  #proc?: ChildProcess;
  #exited?: Promise<number | null>;
  readonly output: string[] = [];

  constructor(
    readonly name: string,
    readonly args: string[],
    readonly ready: RegExp,
    readonly env: NodeJS.ProcessEnv = {},
    /** node's own arguments: tsx for the sources; [] runs a production build's .js */
    readonly nodeArgs: string[] = ['--import', 'tsx'],
    /** the program that runs; another command (e.g. chroot) takes the node path as its first argument */
    readonly command: string[] = [process.execPath],
  ) {}

  async start(timeoutMs = 60_000): Promise<void> {
    const [cmd, ...pre] = this.command;
    const proc = spawn(cmd!, [...pre, ...this.nodeArgs, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#proc = proc;
    this.#exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: not ready within ${timeoutMs} ms\n${this.output.slice(-20).join('\n')}`)),
        timeoutMs,
      );
      const onLine = (line: string) => {
        this.output.push(line);
        if (this.output.length > 2000) this.output.shift();
        if (this.ready.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      };
      createInterface({ input: proc.stdout! }).on('line', onLine);
      createInterface({ input: proc.stderr! }).on('line', onLine);
      void this.#exited!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} before it was ready\n${this.output.slice(-20).join('\n')}`));
      });
    });
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    const code = await this.#exited!;
    clearTimeout(timer);
    return code;
  }

  /** a crash: no flush, no goodbye */
  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }
}
