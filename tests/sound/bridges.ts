import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stopChildren } from '../support/children.ts';

/** Loudspeaker bridges as real processes (firmware-bridge/main.ts, fake IO, fake file player, ffmpeg for streams). */
export class SpeakerProcesses {
  readonly children: ChildProcess[] = [];
  constructor(private readonly dir: string) {}

  start(
    speakers: { id: string; hamlet: string; password: string }[],
    common: {
      brokerUrl: string;
      commune: string;
      publicKey: string;
      consoleUrl: string;
      stream?: Record<string, unknown>;
    },
  ): void {
    for (const s of speakers) {
      const config = {
        deviceId: s.id,
        broker: { url: common.brokerUrl, password: s.password, reconnectMinMs: 200, reconnectMaxMs: 2000 },
        dataDir: join(this.dir, s.id),
        io: { kind: 'fake' },
        clock: { sources: [], rtc: false, pollMs: 500 },
        outbox: { resendAfterMs: 2000 },
        units: {
          speaker: {
            commune: common.commune,
            hamlet: s.hamlet,
            schedulePublicKey: common.publicKey,
            relayPin: 7,
            consoleUrl: common.consoleUrl,
            player: { kind: 'fake' },
            warmupMs: 0,
            relayHoldMs: 0,
            stream: common.stream ?? {},
          },
        },
      };
      const file = join(this.dir, `${s.id}.yaml`);
      writeFileSync(file, stringify(config));
      const out = openSync(this.log(s.id), 'a');
      this.children.push(
        spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['firmware-bridge/main.ts', '--config', file], {
          cwd: process.cwd(),
          stdio: ['ignore', out, out],
        }),
      );
    }
  }

  log(id: string): string {
    return join(this.dir, `${id}.log`);
  }

  logText(id: string): string {
    return existsSync(this.log(id)) ? readFileSync(this.log(id), 'utf8') : '';
  }

  /** the PCM file of the speaker's n-th stream (fake player's sound card) */
  pcm(id: string, n: number): string {
    return join(this.dir, id, 'units', 'speaker', `stream-out-${n}.pcm`);
  }

  async stop(): Promise<void> {
    await stopChildren(this.children);
  }
}
