import type { ChildProcess } from 'node:child_process';

/** Stop child processes as a service manager does: SIGTERM, then SIGKILL after `graceMs`; resolves once all exited. */
export async function stopChildren(children: readonly ChildProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    }),
  );
}
