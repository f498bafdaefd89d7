import { join } from 'node:path';
import { afterEach } from 'vitest';
import { freePort } from '../../infra/ports.ts';
import { startVirtualBox, type VirtualBox } from '../../simulator/virtual-box.ts';
import { tempDir } from '../harness/temp.ts';
import { TestBroker } from '../support/test-broker.ts';
import { recorder } from './helpers.ts';

/**
 * A test file's bridge rig: what it starts is stopped after each test, newest first, and every box gets a data
 * folder of its own under one temp root.
 */
export function bridgeRig(prefix: string) {
  const root = tempDir(prefix);
  let n = 0;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  const rig = {
    /** stop this after the test */
    later(stop: () => Promise<unknown>): void {
      cleanups.push(stop);
    },
    /** a fresh path under the root */
    path: (name = 'box') => join(root, `${name}${n++}`),
    /** a plain broker, listening unless `listening: false` (its port reserved, nothing listening yet) */
    async broker({ listening = true } = {}): Promise<TestBroker> {
      const b = new TestBroker();
      if (listening) await b.start();
      else b.port = await freePort();
      rig.later(() => b.stop());
      return b;
    },
    /** a virtual rating box on `url` (no lockout between presses), in a fresh data folder */
    async box(
      url: string,
      deviceId: string,
      extra: Partial<Parameters<typeof startVirtualBox>[0]> = {},
    ): Promise<VirtualBox> {
      const vb = await startVirtualBox({
        deviceId,
        brokerUrl: url,
        password: 'pw',
        dataDir: rig.path(),
        lockoutMs: 0,
        ...extra,
      });
      rig.later(() => vb.stop());
      return vb;
    },
    /** a recorder (see helpers.ts), closed after the test */
    async recorder(url: string, filters: string[]) {
      const r = await recorder(url, filters);
      rig.later(() => r.close());
      return r;
    },
  };
  return rig;
}
