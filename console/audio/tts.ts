import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../infra/run-command.ts';

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
      await runCommand(
        this.opts.bin,
        ['-v', this.opts.voice, '-s', String(this.opts.speed), '-b', '1', '-f', input, '-w', output],
        this.opts.timeoutMs ?? 60_000,
      );
      return readFileSync(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
