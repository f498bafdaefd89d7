import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Area } from '../area.ts';
import type { ConsoleConfig } from '../config.ts';
import type { CommuneKey } from '../keys.ts';
import type { Store } from '../store/index.ts';
import { RegistryFileEditor } from './registry-file.ts';
import { ProvisioningService } from './service.ts';
import { ClaimThrottle } from './throttle.ts';

/** The provisioning service from the console's config (its `provisioning` section must be present). */
export function createProvisioning(deps: {
  config: Readonly<ConsoleConfig>;
  store: Store;
  area: Area;
  clock: Clock;
  log: Logger;
  keys: ReadonlyMap<string, CommuneKey>;
  hashCost?: { N: number; r: number; p: number };
}): ProvisioningService {
  const p = deps.config.provisioning!;
  return new ProvisioningService({
    store: deps.store,
    area: deps.area,
    clock: deps.clock,
    log: deps.log.child({ component: 'provisioning' }),
    editor: new RegistryFileEditor(deps.config.registryPath),
    throttle: new ClaimThrottle(deps.clock, {
      perSource: p.claimFailuresPerSource,
      total: p.claimFailuresTotal,
      windowMs: p.claimWindowMin * 60_000,
    }),
    settings: { brokerUrl: p.brokerUrl, codeTtlHours: p.codeTtlHours, ...(p.caFile ? { caFile: p.caFile } : {}) },
    broadcastKeyOf: (commune) => deps.keys.get(commune)?.publicKeyDer,
    ...(deps.hashCost ? { hashCost: deps.hashCost } : {}),
  });
}
