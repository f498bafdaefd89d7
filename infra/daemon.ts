import type { ChildProcess } from 'node:child_process';

/**
 * A system program (redis-server, haproxy, …) the tests and benchmarks run on a free loopback port: wait until
 * it answers, and stop it with SIGTERM, SIGKILL after a bound. One place for the start/stop discipline, so a
 * daemon that dies at start says why and a stuck one never hangs a test run.
 */
export class Daemon {
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** polls `answers` until it is true; throws when the process exits first or after `timeoutMs` */
  async untilReady(
    answers: () => Promise<boolean>,
    what: string,
    detail: () => string = () => '',
    timeoutMs = 15_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await answers())) {
      if (this.proc.exitCode !== null)
        throw new Error(`${this.name} exited with ${this.proc.exitCode}${detail() ? `: ${detail()}` : ''}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ${what} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(killAfterMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }
}
