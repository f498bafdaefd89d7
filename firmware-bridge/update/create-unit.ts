import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { UnitEnv } from '../bridge.ts';
import { BridgeError } from '../errors.ts';
import type { BridgeContext, BridgeUnit } from '../unit.ts';
import { SOFTWARE_VERSION } from '../version.ts';
import { UpdateAgent } from './agent.ts';
import { downloadLimited } from './download.ts';
import { ReleaseDir } from './release-dir.ts';
import { releasePublicKey } from '../../devices/release-signature.ts';

const run = promisify(execFile);

/** bridge.yaml `units.update` */
export const UpdateConfig = z.strictObject({
  /** the province's release key: base64 SPKI DER (or PEM) */
  releaseKey: z.string().min(40),
  /** where releases/<version> and the `current` link live */
  root: z.string().min(1).default('/opt/thanthien'),
  /** the new release must stay up this long after hearing from the broker to count as healthy */
  settleS: z.number().int().min(1).max(600).default(30),
});

/** The update unit: signed releases announced on tt/v1/<id>/release (firmware-bridge/update/agent.ts). */
export function createUnit(section: unknown, _env?: UnitEnv): BridgeUnit {
  const parsed = UpdateConfig.safeParse(section);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `units.update.${i.path.join('.')}: ${i.message}`);
    throw new BridgeError('BRIDGE_CONFIG_INVALID', `cấu hình cập nhật không hợp lệ:\n  - ${problems.join('\n  - ')}`, problems);
  }
  const config = parsed.data;
  let key;
  try {
    key = releasePublicKey(config.releaseKey);
  } catch {
    throw new BridgeError('BRIDGE_CONFIG_INVALID', 'units.update.releaseKey: không phải khoá công khai Ed25519', ['units.update.releaseKey']);
  }
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
        npmCi: async (dir) => void (await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, timeout: 30 * 60_000 })),
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
