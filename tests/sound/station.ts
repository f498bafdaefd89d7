import { spawn, type ChildProcess } from 'node:child_process';
import { icecastMp3Output, type RunningIcecast } from '../../infra/icecast.ts';

/** A radio "station": ffmpeg encodes a generated tone in real time and feeds it to an icecast mount. */
export class ToneStation {
  private child: ChildProcess | null = null;
  constructor(
    private readonly icecast: RunningIcecast,
    readonly mount: string,
    readonly freq: number,
  ) {}

  get url(): string {
    return `${this.icecast.url}${this.mount}`;
  }

  /** resolves once the mount answers listeners */
  async start(): Promise<void> {
    this.child = spawn(
      '/usr/bin/ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        '-re',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${this.freq}:sample_rate=22050`,
        '-af',
        'volume=4',
        '-ac',
        '1',
        ...icecastMp3Output('64k', this.icecast.sourceUrl(this.mount)),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ac = new AbortController();
      const r = await fetch(this.url, { signal: ac.signal }).catch(() => null);
      ac.abort();
      if (r?.status === 200) return;
      if (Date.now() > deadline) throw new Error(`mount ${this.mount} never appeared`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** the station goes off the air (the source connection drops) */
  async cut(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }
}
