import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Text to speech behind our own interface: espeak-ng's `vi` voice is the default engine; another can replace it. */
export interface TextToSpeech {
  readonly name: string;
  /** WAV bytes of the spoken text; rejects on failure */
  synthesize(text: string): Promise<Buffer>;
}

export type EspeakOptions = { bin: string; voice: string; speed: number; timeoutMs?: number };

export class EspeakTts implements TextToSpeech {
  readonly name = 'espeak-ng';
  constructor(private readonly opts: EspeakOptions) {}

  async synthesize(text: string): Promise<Buffer> {
    // text goes through a file, never argv: it may start with '-' and has no length limit there
    const dir = mkdtempSync(join(tmpdir(), 'tt-tts-'));
    try {
      const input = join(dir, 'in.txt');
      const output = join(dir, 'out.wav');
      writeFileSync(input, text, 'utf8');
      await run(this.opts.bin, ['-v', this.opts.voice, '-s', String(this.opts.speed), '-b', '1', '-f', input, '-w', output], this.opts.timeoutMs ?? 60_000);
      return readFileSync(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function run(bin: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${bin} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
