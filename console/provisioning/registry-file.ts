import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { stringify } from 'yaml';
import {
  parseJsonOrYaml,
  parseRegistry,
  type Commune,
  type Device,
  type Registry,
  type RegistryFile,
} from '../../devices/registry/index.ts';

/**
 * The registry file the broker and collector read, edited by the console when a device claims its identity.
 * Every change is validated as a whole registry before it replaces the file (temp file, fsync, rename), so a bad
 * edit can never leave the broker with an unreadable registry. Synchronous on purpose: it runs inside the
 * claim's database transaction, and two claims never interleave. (Comments in a hand-written registry are not
 * kept: the structure is.) Deployments reload the broker and collector when it changes (deploy/systemd path unit).
 */
export class RegistryFileEditor {
  constructor(readonly path: string) {}

  read(): Registry {
    return parseRegistry(readFileSync(this.path, 'utf8'), this.path);
  }

  addDevice(communeCode: string, device: Device): Registry {
    const raw = parseJsonOrYaml(readFileSync(this.path, 'utf8')) as RegistryFile;
    const commune = findCommune(raw, communeCode);
    if (!commune) throw new Error(`commune ${communeCode} is not in ${this.path}`);
    commune.devices = [...(commune.devices ?? []), device];
    // a registry kept as JSON (read several times faster by the broker at a province's size) stays JSON
    const text = this.path.endsWith('.json') ? `${JSON.stringify(raw, null, 2)}\n` : stringify(raw);
    const registry = parseRegistry(text, this.path);
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o640);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    return registry;
  }
}

function findCommune(file: RegistryFile, code: string): Commune | undefined {
  for (const p of file.provinces ?? []) {
    for (const c of p.communes ?? []) if (c.code === code) return c;
    for (const d of p.districts ?? []) for (const c of d.communes ?? []) if (c.code === code) return c;
  }
  return undefined;
}
