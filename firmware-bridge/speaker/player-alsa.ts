import { spawn, type ChildProcess } from 'node:child_process';
import { PlayerError, type AudioPlayer, type Playback, type PlayRequest } from './player.ts';

export type AlsaOptions = { aplay: string; mpg123: string; device: string; mixerControl?: string };

/** mpg123 -f scales the output: 32768 is unity gain. */
function mpg123Scale(volume: number): number {
  return Math.round((Math.max(0, Math.min(100, volume)) / 100) * 32768);
}

/** Run a command to its end; resolves with stderr's tail, rejects with a coded PlayerError. */
function run(
  cmd: string,
  args: string[],
  onChild: (c: ChildProcess) => void,
  wasStopped: () => boolean,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    onChild(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-300)));
    child.on('error', (err) => reject(new PlayerError('player-missing', `${cmd}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0 || wasStopped()) resolve();
      else reject(new PlayerError('player-error', `${cmd} exit ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** ALSA on a Pi: mpg123 for MP3 (with its own gain), aplay for WAV (gain via the mixer when configured). */
export class AlsaPlayer implements AudioPlayer {
  constructor(private readonly opts: AlsaOptions) {}

  private command(req: PlayRequest): [string, string[]] {
    if (req.mime === 'audio/mpeg') {
      return [
        this.opts.mpg123,
        ['-q', '-o', 'alsa', '-a', this.opts.device, '-f', String(mpg123Scale(req.volume)), req.file],
      ];
    }
    return [this.opts.aplay, ['-q', '-D', this.opts.device, req.file]];
  }

  play(req: PlayRequest): Playback {
    let child: ChildProcess | null = null;
    let stopped = false;
    const track = (c: ChildProcess) => (child = c);
    const isStopped = () => stopped;
    // aplay has no volume of its own: set the mixer first (a mixer failure does not stop the announcement)
    const mixer =
      req.mime === 'audio/wav' && this.opts.mixerControl
        ? run(
            'amixer',
            ['-q', '-D', this.opts.device, 'sset', this.opts.mixerControl, `${req.volume}%`],
            track,
            isStopped,
          ).catch(() => undefined)
        : Promise.resolve();
    const [cmd, args] = this.command(req);
    const done = mixer.then(() => (stopped ? undefined : run(cmd, args, track, isStopped)));
    return {
      done,
      stop: () => {
        stopped = true;
        (child as ChildProcess | null)?.kill('SIGTERM');
      },
    };
  }
}
