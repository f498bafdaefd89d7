import { spawn, type ChildProcess } from 'node:child_process';

/**
 * One live session's encoder: the browser's MediaRecorder chunks (WebM/Opus) go into ffmpeg's stdin, which
 * decodes them as they come and feeds an MP3 stream to the session's icecast2 mount. Only the console holds
 * the icecast source password, so only an authorized console session can put sound on a mount.
 */
export type FeederOptions = { ffmpeg: string; sourceUrl: string; onExit?(detail: string): void };

export class LiveFeeder {
  private readonly child: ChildProcess;
  private closed = false;
  bytesIn = 0;

  constructor(opts: FeederOptions) {
    this.child = spawn(
      opts.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        // decode as the chunks arrive: no probing of seconds of input before the first frame
        '-fflags',
        'nobuffer',
        '-flags',
        'low_delay',
        '-probesize',
        '32',
        '-analyzeduration',
        '0',
        '-f',
        'webm',
        '-i',
        'pipe:0',
        '-ac',
        '1',
        '-ar',
        '22050',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '48k',
        '-flush_packets',
        '1',
        '-content_type',
        'audio/mpeg',
        '-f',
        'mp3',
        opts.sourceUrl,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (err) => opts.onExit?.(err.message));
    this.child.on('close', (code) => {
      this.closed = true;
      opts.onExit?.(code === 0 ? 'ended' : `ffmpeg exit ${code}: ${stderr.trim()}`);
    });
  }

  write(chunk: Buffer): void {
    if (this.closed) return;
    this.bytesIn += chunk.length;
    this.child.stdin!.write(chunk);
  }

  /** the mount goes away: speakers hear the end at once */
  stop(): void {
    if (this.closed) return;
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 1_500);
    t.unref();
    this.child.once('close', () => clearTimeout(t));
  }
}
