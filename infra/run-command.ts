import { spawn } from 'node:child_process';

/** how much of a program's stderr is kept: enough for ffmpeg's loudnorm report, bounded for a chatty one */
const STDERR_KEPT = 8000;

/**
 * Run a program to its end with a deadline (SIGKILL after timeoutMs). Resolves with its stdout and the tail of
 * its stderr on exit 0; otherwise rejects with the exit code and the last lines it wrote.
 */
export function runCommand(
  bin: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEPT)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr });
      else reject(new Error(`${bin} exited with ${code}: ${stderr.slice(-300).trim()}`));
    });
  });
}
