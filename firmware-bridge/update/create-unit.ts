import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BridgeContext, BridgeUnit } from '../unit.ts';
import { SOFTWARE_VERSION } from '../version.ts';
import { UpdateAgent } from './agent.ts';
import type { UpdateConfig } from './config.ts';
import { downloadLimited } from './download.ts';
import { ReleaseDir } from './release-dir.ts';
import { releasePublicKey } from '../../devices/release-signature.ts';

const run = promisify(execFile);

/** The update unit: signed releases announced on tt/v1/<id>/release (firmware-bridge/update/agent.ts). */
export function createUpdateUnit(config: UpdateConfig): BridgeUnit {
  const key = releasePublicKey(config.releaseKey);
  let agent: UpdateAgent | undefined;
  return {
    name: 'update',
    async start(ctx: BridgeContext) {
      agent = new UpdateAgent({
        releases: new ReleaseDir(config.root),
        stateDir: ctx.dataDir,
        running: SOFTWARE_VERSION,
        releaseKey: key,
        clock: ctx.clock,
        log: ctx.log.child({ unit: 'update' }),
        settleMs: config.settleS * 1000,
        publishStatus: (s) => ctx.publish('update-status', s, { retain: true, qos: 1 }),
        download: downloadLimited,
        npmCi: async (dir) =>
          void (await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, timeout: 30 * 60_000 })),
        // SIGTERM: the bridge stops cleanly and exits; systemd (Restart=always) starts the new `current`
        restart: () => process.kill(process.pid, 'SIGTERM'),
      });
      agent.resume();
      ctx.subscribe('release', (msg) => {
        agent!.heardFromBroker();
        if (msg.ok) void agent!.onAnnouncement(msg.payload);
        else ctx.log.warn({ error: msg.error, detail: msg.detail }, 'release announcement invalid');
      });
    },
    async stop() {
      agent?.stop();
    },
  };
}
