import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { hashPassword } from '../devices/credentials.ts';
import type { RegistryFile } from '../devices/registry/schema.ts';
import { demoLayout, type DemoOptions } from '../devices/fixtures/demo-layout.ts';

export type { DemoOptions };
export { demoLayout };
export type DemoSecrets = Record<string, string>;

/**
 * A registry for a simulated commune, with generated passwords (devices/fixtures/demo-layout.ts gives its units):
 * the embedded default (`npm start`), the tests and the benchmark use it.
 */
export async function demoRegistry(
  opts: DemoOptions = {},
): Promise<{ file: RegistryFile; yaml: string; secrets: DemoSecrets }> {
  const secrets: DemoSecrets = {};
  const secret = async (id: string) => {
    secrets[id] = randomBytes(12).toString('base64url');
    return hashPassword(secrets[id], opts.cost);
  };
  const file = demoLayout(opts);
  for (const p of file.provinces) {
    for (const c of [...p.communes, ...p.districts.flatMap((d) => d.communes)])
      for (const d of c.devices) d.passwordHash = await secret(d.id);
  }
  for (const s of file.services) s.passwordHash = await secret(s.id);
  return { file, yaml: stringify(file), secrets };
}
